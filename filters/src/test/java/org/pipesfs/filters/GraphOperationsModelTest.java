package org.pipesfs.filters;

import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model-based property test of the structure operations: random mkdir, rmdir, mv, ln -s and
 * unlink on filter and user nodes, applied to the graph and to a plain model of names. After
 * each refused operation the graph's listing is exactly what it was; after each accepted one
 * it equals the model's.
 */
class GraphOperationsModelTest
{
    private static final String[] NAMES = {
        "a", "b", "c", "ip", "tcp", "udp", "icmp", "port=80", "expr=tcp", "port=99999", ".x", "all", "x.pcap",
    };

    /** The model: a tree of names, each node with its links in creation order. */
    private static final class ModelNode
    {
        String name;
        ModelNode parent;
        final List<ModelNode> children = new ArrayList<>();
        final Map<String, ModelLink> links = new LinkedHashMap<>();

        ModelNode(final String name, final ModelNode parent)
        {
            this.name = name;
            this.parent = parent;
        }

        String path()
        {
            return parent == null ? "/" : (parent.parent == null ? "" : parent.path()) + "/" + name;
        }

        ModelNode child(final String childName)
        {
            for (final ModelNode child : children)
            {
                if (child.name.equals(childName))
                {
                    return child;
                }
            }
            return null;
        }
    }

    private record ModelLink(ModelNode source, String target)
    {
    }

    private final ModelNode modelRoot = new ModelNode("", null);
    private final SplittableRandom random = new SplittableRandom(20261207);

    @Test
    void refusedOperationsChangeNothingAndAcceptedOnesMatchTheModel()
    {
        final NodeGraph graph = new NodeGraph(new DataBuffer(4 << 20, BufferPolicy.LOSSLESS), BufferPolicy.LOSSLESS, 1 << 8);
        int accepted = 0;
        int refused = 0;
        final Map<String, Integer> acceptedBy = new java.util.TreeMap<>();
        for (int i = 0; i < 20_000; i++)
        {
            final String before = graph.listing(s -> s);
            final String op;
            boolean ok;
            final int op0 = random.nextInt(5);
            // rmdir mostly aims at leaves, and mkdir rests while the tree is large, so it stays small
            final ModelNode a = op0 == 1 && random.nextInt(4) > 0 ? anyLeaf() : anyNode();
            final ModelNode b = anyNode();
            final String name = NAMES[random.nextInt(NAMES.length)];
            final Node realA = graph.lookup(a.path());
            final Node realB = graph.lookup(b.path());
            switch (op0 == 0 && modelSize() > 40 ? 1 : op0)
            {
                case 0 -> {
                    op = "mkdir " + a.path() + "/" + name;
                    ok = attempt(() -> graph.create(realA, name));
                    if (ok)
                    {
                        a.children.add(new ModelNode(name, a));
                    }
                }
                case 1 -> {
                    op = "rmdir " + a.path();
                    ok = attempt(() -> graph.remove(realA));
                    if (ok)
                    {
                        removeModel(a);
                    }
                }
                case 2 -> {
                    op = "mv " + a.path() + " " + b.path() + "/" + name;
                    ok = attempt(() -> graph.move(realA, realB, name));
                    if (ok)
                    {
                        final ModelNode existing = b.child(name);
                        if (existing != null && existing != a)
                        {
                            removeModel(existing);
                        }
                        a.parent.children.remove(a);
                        a.name = name;
                        a.parent = b;
                        b.children.add(a);
                    }
                }
                case 3 -> {
                    op = "ln -s " + b.path() + " " + a.path() + "/" + name;
                    final String target = b.path();
                    ok = attempt(() -> graph.link(realA, name, realB, target));
                    if (ok)
                    {
                        a.links.put(name, new ModelLink(b, target));
                    }
                }
                default -> {
                    final String linkName = a.links.isEmpty() || random.nextInt(4) == 0 ? name
                        : new ArrayList<>(a.links.keySet()).get(random.nextInt(a.links.size()));
                    op = "unlink " + a.path() + "/" + linkName;
                    ok = attempt(() -> graph.unlink(realA, linkName));
                    if (ok)
                    {
                        a.links.remove(linkName);
                    }
                }
            }
            final String after = graph.listing(s -> s);
            if (ok)
            {
                accepted++;
                acceptedBy.merge(op.substring(0, op.indexOf(' ')), 1, Integer::sum);
                assertThat(new TreeSet<>(List.of(after.split("\n")))).as("after accepted " + op).isEqualTo(modelLines());
            }
            else
            {
                refused++;
                assertThat(after).as("after refused " + op).isEqualTo(before);
            }
        }
        assertThat(acceptedBy).as("every kind of operation was accepted some of the time")
            .containsOnlyKeys("mkdir", "rmdir", "mv", "ln", "unlink");
        System.out.println("model run: " + accepted + " accepted " + acceptedBy + ", " + refused + " refused, "
            + modelLines().size() + " lines at the end");
        assertThat(accepted).isGreaterThan(2_000);
        assertThat(refused).isGreaterThan(2_000);
    }

    private static boolean attempt(final Runnable operation)
    {
        try
        {
            operation.run();
            return true;
        }
        catch (final GraphException ex)
        {
            return false;
        }
    }

    /** A node of the model, mostly shallow ones, so the tree stays small and operations collide. */
    private ModelNode anyNode()
    {
        final List<ModelNode> all = new ArrayList<>();
        collect(modelRoot, all);
        return all.get(random.nextInt(all.size()));
    }

    private ModelNode anyLeaf()
    {
        final List<ModelNode> all = new ArrayList<>();
        collect(modelRoot, all);
        all.removeIf(node -> !node.children.isEmpty() || !node.links.isEmpty());
        return all.isEmpty() ? modelRoot : all.get(random.nextInt(all.size()));
    }

    private int modelSize()
    {
        final List<ModelNode> all = new ArrayList<>();
        collect(modelRoot, all);
        return all.size();
    }

    private static void collect(final ModelNode node, final List<ModelNode> into)
    {
        into.add(node);
        for (final ModelNode child : node.children)
        {
            collect(child, into);
        }
    }

    /** rmdir: the node goes, and so does every link whose source it was. */
    private void removeModel(final ModelNode node)
    {
        node.parent.children.remove(node);
        final List<ModelNode> all = new ArrayList<>();
        collect(modelRoot, all);
        for (final ModelNode other : all)
        {
            other.links.values().removeIf(link -> link.source() == node);
        }
    }

    private TreeSet<String> modelLines()
    {
        final TreeSet<String> lines = new TreeSet<>();
        final List<ModelNode> all = new ArrayList<>();
        collect(modelRoot, all);
        for (final ModelNode node : all)
        {
            lines.add(node.path());
            for (final Map.Entry<String, ModelLink> link : node.links.entrySet())
            {
                lines.add((node.parent == null ? "" : node.path()) + "/" + link.getKey() + " -> " + link.getValue().target());
            }
        }
        return lines;
    }
}
