package org.pipesfs.fs.files;

import org.pipesfs.filters.GraphException;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;

import java.nio.charset.StandardCharsets;

/**
 * FUSE paths as the graph's nodes: the node a path names, its parent, and its last name,
 * which must fit in a directory entry. Refusals are GraphExceptions or Refusals with the
 * errno a shell expects.
 */
final class GraphPaths
{
    /** NAME_MAX: the longest name a directory entry can have, in bytes. */
    static final int MAX_NAME = 255;

    private final NodeGraph graph;

    GraphPaths(final NodeGraph graph)
    {
        this.graph = graph;
    }

    Node parentNode(final String path)
    {
        return existingNode(path.substring(0, Math.max(1, path.lastIndexOf('/'))));
    }

    Node existingNode(final String path)
    {
        final Entry entry = Entry.resolve(graph, path);
        if (entry == null)
        {
            throw new GraphException(GraphException.Reason.NO_SUCH_NODE, path + " does not exist");
        }
        if (entry.kind() != Entry.Kind.NODE)
        {
            throw new GraphException(GraphException.Reason.NOT_A_NODE, path + " is not a node");
        }
        return entry.node();
    }

    /** The last name of {@code path}; a Refusal with ENAMETOOLONG if no directory entry can hold it. */
    static String leaf(final String path)
    {
        final String name = path.substring(path.lastIndexOf('/') + 1);
        // a char is at most 3 UTF-8 bytes (a surrogate pair is 4 for two chars)
        if (name.length() * 3 > MAX_NAME && name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME)
        {
            throw new Refusal(Errno.ENAMETOOLONG, "name longer than " + GraphPaths.MAX_NAME + " bytes");
        }
        return name;
    }
}
