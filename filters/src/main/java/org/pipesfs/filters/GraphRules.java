package org.pipesfs.filters;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The checks a structure operation runs before it changes anything, and the one undo of a
 * node's links: names that are views or controls, names already taken, nodes no longer in the
 * graph, data that would flow in a circle, and what a node costs the memory budget.
 *
 * <p>Thread rule: called under the graph's lock.
 */
final class GraphRules
{
    private GraphRules()
    {
    }

    static long costOf(final Filter filter)
    {
        return MemoryBudget.NODE_BYTES + (filter == null ? 0 : filter.stateBytes());
    }

    /** True if data can already flow from {@code from} to {@code to} (so to → from would loop). */
    static boolean wouldCycle(final Node to, final Node from)
    {
        final ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.add(from);
        final java.util.Set<Node> seen = new java.util.HashSet<>();
        while (!todo.isEmpty())
        {
            final Node node = todo.poll();
            if (node == to)
            {
                return true;
            }
            if (seen.add(node))
            {
                for (final Node child : node.children())
                {
                    if (!child.isUserNode()) // a user node takes nothing from its parent
                    {
                        todo.add(child);
                    }
                }
                todo.addAll(List.of(node.linkTargets()));
            }
        }
        return false;
    }

    static void detachLinks(final Node node)
    {
        for (final Node.Link link : node.links.values())
        {
            link.source().removeLinkTarget(node);
        }
        node.links.clear();
        for (final Node target : node.linkTargets())
        {
            target.links.values().removeIf(link -> link.source() == node);
            node.removeLinkTarget(target);
        }
    }

    static boolean isAttached(final Node node)
    {
        Node up = node;
        while (!up.isRoot())
        {
            final Node parent = up.parent();
            if (parent == null || parent.child(up.name()) != up)
            {
                return false;
            }
            up = parent;
        }
        return true;
    }

    static void requireAttached(final Node node)
    {
        if (!isAttached(node))
        {
            throw new GraphException(GraphException.Reason.NO_SUCH_NODE, node.name() + " no longer exists");
        }
    }

    static void requireFree(final Node parent, final String name)
    {
        if (parent.child(name) != null || parent.links.containsKey(name))
        {
            throw new GraphException(GraphException.Reason.EXISTS, parent.path() + " already has " + name);
        }
    }

    static void checkName(final String name)
    {
        if (name.isEmpty() || name.startsWith(".") || name.endsWith(".pcap") || name.equals("all") || name.contains("/"))
        {
            throw new GraphException(GraphException.Reason.INVALID, "'" + name + "' is reserved for views and controls");
        }
    }
}
