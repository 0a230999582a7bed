package org.pipesfs.filters;

import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.IndexBuffer;
import org.pipesfs.buffers.IndexReader;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of the graph: lookup, and the structure operations a shell makes (mkdir, rmdir,
 * mv, ln -s, unlink), plus the classes a classifier makes and the flows that end. Each
 * operation runs all of its checks, the memory budget last, before its first change, so a
 * refused one changes nothing. Rings of removed nodes are freed once their readers close.
 *
 * <p>Thread rule: every change runs under one lock, from any thread, and publishes through
 * the nodes' volatile arrays, so the producer walks the graph without the lock while it is
 * rewired; {@link #transformNodes()} is a volatile read for the producer.
 */
final class GraphStructure
{
    private static final String[][] DEFAULT_TREE = {
        {"ip"}, {"ip", "tcp"}, {"ip", "tcp", "http"}, {"ip", "udp"}, {"ip", "udp", "dns"}, {"ip", "icmp"},
        {"ip6"}, {"ip6", "tcp"}, {"ip6", "tcp", "http"}, {"ip6", "udp"}, {"ip6", "udp", "dns"}, {"ip6", "icmp6"},
        {"arp"},
    };

    private final Object lock;
    private final Node root;
    private final DataBuffer data;
    /** Both data buffers, whose cache windows follow {@link #transformNodes}. */
    private final DataBuffer[] buffers;
    private final BufferPolicy policy;
    private final int indexEntries;
    private final Liveness liveness;
    private MemoryBudget budget = new MemoryBudget(Long.MAX_VALUE);
    private long nextId = 2;
    /** Rings of removed nodes, freed by the producer once their readers are gone. */
    private final java.util.concurrent.ConcurrentLinkedQueue<IndexBuffer> retired = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ArrayList<IndexBuffer> retiring = new ArrayList<>();
    /** Nodes running a {@link Filter.Transform}: their held elements pin data. */
    private volatile Node[] transformNodes = Node.NONE;

    GraphStructure(
        final Object lock, final Node root, final DataBuffer[] buffers, final BufferPolicy policy, final int indexEntries,
        final Liveness liveness)
    {
        this.lock = lock;
        this.root = root;
        this.data = buffers[0];
        this.buffers = buffers;
        this.policy = policy;
        this.indexEntries = indexEntries;
        this.liveness = liveness;
        transformNodes(Node.NONE);
    }

    /** Nodes running a transform now. */
    Node[] transformNodes()
    {
        return transformNodes;
    }

    /** Adds the default tree: ip/{tcp/http,udp/dns,icmp}, ip6/{tcp/http,udp/dns,icmp6}, arp. */
    void withDefaultTree()
    {
        for (final String[] path : DEFAULT_TREE)
        {
            Node parent = root;
            for (int i = 0; i < path.length - 1; i++)
            {
                parent = parent.child(path[i]);
            }
            create(parent, path[path.length - 1]);
        }
    }

    /** Sets the mount's memory budget; before any node other than the root is made. */
    void withMemoryBudget(final long bytes)
    {
        synchronized (lock)
        {
            final MemoryBudget fresh = new MemoryBudget(bytes);
            fresh.tryReserve(budget.used());
            budget = fresh;
        }
    }

    MemoryBudget budget()
    {
        return budget;
    }

    /**
     * Opens a reader of {@code node}, counting its index ring against the budget when this is
     * the ring's first reader: the ring's memory is allocated then, and kept while the node lives.
     */
    IndexReader openReader(final Node node)
    {
        synchronized (lock)
        {
            if (node.ringBytes == 0 && !node.isRoot())
            {
                final long bytes = node.output().memoryBytes();
                budget.reserve(bytes, "the index ring of " + node.path());
                node.ringBytes = bytes;
            }
        }
        return node.openReader();
    }

    /**
     * The node at {@code path} ({@code /}, {@code /ip/tcp}), or null. A class a classifier has
     * not seen yet is made on first use, so a script can open {@code http/get/all} before any
     * GET arrives; a class the user removed or moved away is not.
     */
    Node lookup(final String path)
    {
        Node node = root;
        for (final String part : path.split("/"))
        {
            if (!part.isEmpty())
            {
                node = child(node, part);
                if (node == null)
                {
                    return null;
                }
            }
        }
        return node;
    }

    /** One step of {@link #lookup}: the child named {@code name}, making a class on first use. */
    Node child(final Node parent, final String name)
    {
        final Node child = parent.child(name);
        if (child == null && parent.filter() instanceof Filter.Classifier classifier && classifier.isClass(name))
        {
            ensureClass(parent, classifier, name);
            return parent.child(name);
        }
        return child;
    }

    /** {@code mkdir parent/name}: a filter if name is a spec, a user node otherwise. */
    Node create(final Node parent, final String name)
    {
        GraphRules.checkName(name);
        final Filter filter;
        try
        {
            filter = Filters.parse(name);
        }
        catch (final FilterSpecException ex)
        {
            throw new GraphException(GraphException.Reason.INVALID, ex.getMessage());
        }
        synchronized (lock)
        {
            GraphRules.requireAttached(parent);
            GraphRules.requireFree(parent, name);
            parent.suppressedClasses.remove(name);
            final Node node = attach(parent, name, filter);
            // a node the user made can always be read: its ring is counted now, not at first open
            final long ring = node.output().memoryBytes();
            if (!budget.tryReserve(ring))
            {
                remove(node);
                budget.reserve(ring, "the index ring of " + node.path());
            }
            node.ringBytes = ring;
            return node;
        }
    }

    /** {@code rmdir}: the node must have no children or links; its readers get end-of-file. */
    void remove(final Node node)
    {
        synchronized (lock)
        {
            if (node.isRoot())
            {
                throw new GraphException(GraphException.Reason.BUSY, "the root cannot be removed");
            }
            GraphRules.requireAttached(node);
            if (node.children().length > 0 || !node.links.isEmpty())
            {
                throw new GraphException(GraphException.Reason.NOT_EMPTY, node.path() + " still has nodes or links in it");
            }
            final Node parent = node.parent();
            if (parent.filter() instanceof Filter.Classifier)
            {
                parent.suppressedClasses.add(node.name());
            }
            detach(node);
        }
    }

    /**
     * Takes an empty node out of the graph: its links go, its ring closes (its readers get
     * end-of-file once drained) and is freed once they have closed, and its budget comes back.
     * Under the lock.
     */
    private void detach(final Node node)
    {
        node.parent().removeChild(node);
        GraphRules.detachLinks(node);
        node.output().close();
        retired.add(node.output());
        budget.release(node.reservedBytes + node.ringBytes);
        node.reservedBytes = 0;
        node.ringBytes = 0;
        if (node.filter() instanceof Filter.Transform)
        {
            transformNodes(org.pipesfs.buffers.CopyOnWrite.without(transformNodes, node));
        }
        liveness.changed();
        if (liveness.isEnded())
        {
            reclaimLocked(); // the producer has stopped: nothing else touches these rings
        }
    }

    /**
     * A class of {@code classifier} will see nothing more (a {@code stream} flow closed or went
     * idle): its directory goes, unless the user has built on it (children, links in or out).
     * Producer thread.
     */
    void classEnded(final Node classifier, final String className)
    {
        final Node classNode = classifier.child(className);
        if (classNode == null || !classNode.isClassOf(classifier) || classNode.children().length > 0
            || classNode.linkTargets().length > 0)
        {
            return;
        }
        synchronized (lock)
        {
            if (classifier.child(className) == classNode && classNode.links.isEmpty())
            {
                detach(classNode);
            }
        }
    }

    /**
     * {@code mv node newParent/newName}. The node then takes its input from its new parent. A
     * new name that is a filter spec reconfigures it; a class moved away from its classifier
     * is not made again there. An existing empty node at the destination is replaced (POSIX).
     */
    void move(final Node node, final Node newParent, final String newName)
    {
        GraphRules.checkName(newName);
        final Filter newFilter;
        try
        {
            final Filter parsed = Filters.parse(newName);
            newFilter = parsed != null || newName.equals(node.name()) && node.filter() != null
                ? (parsed != null ? parsed : node.filter()) : null;
        }
        catch (final FilterSpecException ex)
        {
            throw new GraphException(GraphException.Reason.INVALID, ex.getMessage());
        }
        synchronized (lock)
        {
            if (node.isRoot())
            {
                throw new GraphException(GraphException.Reason.BUSY, "the root cannot be moved");
            }
            GraphRules.requireAttached(node);
            GraphRules.requireAttached(newParent);
            for (Node up = newParent; up != null; up = up.parent())
            {
                if (up == node)
                {
                    throw new GraphException(GraphException.Reason.INVALID, "cannot move " + node.path() + " into itself");
                }
            }
            final Node existing = newParent.child(newName);
            if (existing == node)
            {
                return;
            }
            if (newParent.links.containsKey(newName))
            {
                throw new GraphException(GraphException.Reason.EXISTS, newParent.path() + " has a link named " + newName);
            }
            if (GraphRules.wouldCycle(newParent, node))
            {
                throw new GraphException(GraphException.Reason.LOOP, "moving " + node.path() + " there would make a loop");
            }
            if (existing != null && (existing.children().length > 0 || !existing.links.isEmpty()))
            {
                throw new GraphException(GraphException.Reason.NOT_EMPTY, existing.path() + " still has nodes or links in it");
            }
            final long cost = GraphRules.costOf(newFilter);
            if (cost > node.reservedBytes)
            {
                budget.reserve(cost - node.reservedBytes, "node " + node.path() + " as " + newName);
            }
            else
            {
                budget.release(node.reservedBytes - cost);
            }
            node.reservedBytes = cost;
            // Every check is above this line: a refused move changes nothing.
            if (existing != null)
            {
                remove(existing);
            }
            final Node oldParent = node.parent();
            if (oldParent.filter() instanceof Filter.Classifier && oldParent != newParent)
            {
                oldParent.suppressedClasses.add(node.name());
            }
            oldParent.removeChild(node);
            node.rename(newName, newParent, newFilter);
            newParent.addChild(node);
            noteTransforms(node);
            liveness.changed();
        }
    }

    /** {@code ln -s SOURCE parent/name}: splices source's stream into parent as one more input. */
    void link(final Node parent, final String name, final Node source, final String target)
    {
        GraphRules.checkName(name);
        synchronized (lock)
        {
            GraphRules.requireAttached(parent);
            GraphRules.requireAttached(source);
            GraphRules.requireFree(parent, name);
            if (source == parent || GraphRules.wouldCycle(source, parent))
            {
                throw new GraphException(GraphException.Reason.LOOP, "linking " + source.path() + " into " + parent.path()
                    + " would make a loop");
            }
            parent.links.put(name, new Node.Link(source, target));
            source.addLinkTarget(parent);
            parent.touch();
            liveness.changed();
        }
    }

    /** Removes a link; that input stops feeding the node. */
    void unlink(final Node parent, final String name)
    {
        synchronized (lock)
        {
            final Node.Link link = parent.links.remove(name);
            if (link == null)
            {
                throw new GraphException(GraphException.Reason.NO_SUCH_NODE, "no link " + name + " in " + parent.path());
            }
            if (parent.links.values().stream().noneMatch(other -> other.source() == link.source()))
            {
                link.source().removeLinkTarget(parent);
            }
            parent.touch();
            liveness.changed();
        }
    }

    /**
     * The graph's own listing, one line per node path ({@code /ip/tcp}) and per link
     * ({@code /web/plain -> TARGET}), depth first, taken under the lock so it is consistent.
     * {@code escape} renders each path and target, so that no name can add a line or an arrow.
     */
    String listing(final java.util.function.UnaryOperator<String> escape)
    {
        synchronized (lock)
        {
            final StringBuilder out = new StringBuilder();
            final ArrayDeque<Node> todo = new ArrayDeque<>();
            todo.push(root);
            while (!todo.isEmpty())
            {
                final Node node = todo.pop();
                out.append(escape.apply(node.path())).append('\n');
                for (final java.util.Map.Entry<String, Node.Link> link : node.links.entrySet())
                {
                    out.append(escape.apply((node.isRoot() ? "" : node.path()) + '/' + link.getKey()))
                        .append(" -> ").append(escape.apply(link.getValue().target())).append('\n');
                }
                final Node[] children = node.children();
                for (int i = children.length - 1; i >= 0; i--)
                {
                    todo.push(children[i]);
                }
            }
            return out.toString();
        }
    }

    /** The link named {@code name} in {@code parent}, or null. */
    Node.Link linkNamed(final Node parent, final String name)
    {
        synchronized (lock)
        {
            return parent.links.get(name);
        }
    }

    /** Names of the links in {@code parent}, in creation order. */
    List<String> linkNames(final Node parent)
    {
        synchronized (lock)
        {
            return new ArrayList<>(parent.links.keySet());
        }
    }

    void ensureClass(final Node node, final Filter.Classifier classifier, final String className)
    {
        if (className == null || node.child(className) != null)
        {
            return;
        }
        if (budget.limit() - budget.used() < MemoryBudget.NODE_BYTES)
        {
            // runs per element while the budget stays short: no lock, no filter built, said once
            if (node.classesRefused++ == 0)
            {
                System.err.println("pipesfs: " + node.path() + ": classes not made: the memory budget is used up");
            }
            return;
        }
        synchronized (lock)
        {
            if (node.child(className) == null && !node.links.containsKey(className)
                && !node.suppressedClasses.contains(className) && GraphRules.isAttached(node))
            {
                try
                {
                    attach(node, className, classifier.classFilter(className)).markClassOf(node);
                }
                catch (final GraphException ex)
                {
                    System.err.println("pipesfs: class " + node.path() + "/" + className + " not made: " + ex.getMessage());
                }
            }
        }
    }

    /**
     * Frees the rings of removed nodes whose last reader has closed. Producer thread only, between
     * frames: nothing else touches a closed ring's memory by then.
     */
    void reclaim()
    {
        synchronized (lock)
        {
            reclaimLocked();
        }
    }

    private void reclaimLocked()
    {
        IndexBuffer ring;
        while ((ring = retired.poll()) != null)
        {
            retiring.add(ring);
        }
        if (!retiring.isEmpty())
        {
            retiring.removeIf(IndexBuffer::freeIfUnused);
        }
    }

    private Node attach(final Node parent, final String name, final Filter filter)
    {
        final long cost = GraphRules.costOf(filter);
        budget.reserve(cost, "node " + (parent.isRoot() ? "" : parent.path()) + "/" + name);
        final IndexBuffer output;
        try
        {
            output = data.newIndexBuffer(indexEntries, policy);
        }
        catch (final OutOfMemoryError ex)
        {
            budget.release(cost);
            throw new GraphException(GraphException.Reason.NO_MEMORY, "no buffer memory left for another node (" + ex.getMessage() + ")");
        }
        final Node node = new Node(nextId++, name, parent, filter, output, false);
        node.reservedBytes = cost;
        if (liveness.isEnded())
        {
            node.output().end();
        }
        liveness.changed();
        parent.addChild(node);
        noteTransforms(node);
        return node;
    }

    /**
     * Keeps {@link #transformNodes} current and marks rings fed by a transform as unordered
     * (their entries can point back into the data buffer). Under the lock.
     */
    private void noteTransforms(final Node node)
    {
        final boolean transform = node.filter() instanceof Filter.Transform;
        final boolean listed = java.util.Arrays.asList(transformNodes).contains(node);
        if (transform && !listed)
        {
            transformNodes(org.pipesfs.buffers.CopyOnWrite.with(transformNodes, node));
        }
        else if (!transform && listed)
        {
            transformNodes(org.pipesfs.buffers.CopyOnWrite.without(transformNodes, node));
        }
        for (Node up = node; up != null; up = up.parent())
        {
            if (up.filter() instanceof Filter.Transform)
            {
                node.output().markUnordered();
                break;
            }
        }
        for (final Node child : node.children())
        {
            noteTransforms(child);
        }
    }

    /**
     * The one place {@link #transformNodes} changes, so the buffers' windows follow it: held
     * records (a `stream` node's early segments) get the whole buffer, otherwise the cache window.
     */
    private void transformNodes(final Node[] nodes)
    {
        transformNodes = nodes;
        final int bytes = nodes.length == 0 ? NodeGraph.CACHE_WINDOW : Integer.MAX_VALUE;
        for (final DataBuffer buffer : buffers)
        {
            buffer.cycleWithin(bytes);
        }
    }







}
