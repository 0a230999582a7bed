package org.pipesfs.fs.files;

import org.pipesfs.filters.GraphException;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;

import java.nio.file.Path;

/**
 * What a symlink's target names, and whether its maker may read it. The kernel does not
 * resolve a target when a link is made; a target is a node's directory or its {@code all},
 * absolute under the mount or relative to the link, and a link must never widen who can read
 * a stream.
 *
 * <p>Thread rule: any FUSE worker; it only reads the graph and the ownership table.
 */
final class LinkTargets
{
    private final NodeGraph graph;
    private final Path mountPoint;
    private final Ownership ownership;

    LinkTargets(final NodeGraph graph, final Path mountPoint, final Ownership ownership)
    {
        this.graph = graph;
        this.mountPoint = mountPoint;
        this.ownership = ownership;
    }

    /** Resolves a symlink target (absolute under the mount, or relative to the link) to a node. */
    Node resolve(final String target, final String linkPath)
    {
        String graphPath;
        if (target.startsWith("/"))
        {
            final Path absolute = Path.of(target).normalize();
            if (!absolute.startsWith(mountPoint))
            {
                throw new Refusal(Errno.EXDEV, target + " is outside the mount " + mountPoint);
            }
            graphPath = "/" + mountPoint.relativize(absolute);
        }
        else
        {
            final String parent = linkPath.substring(0, linkPath.lastIndexOf('/') + 1);
            graphPath = Path.of(parent.isEmpty() ? "/" : parent).resolve(target).normalize().toString();
        }
        if (graphPath.endsWith("/" + Entry.ALL))
        {
            graphPath = graphPath.substring(0, graphPath.length() - Entry.ALL.length() - 1);
        }
        final Node source = graph.lookup(graphPath.isEmpty() ? "/" : graphPath);
        if (source == null)
        {
            throw new GraphException(GraphException.Reason.NO_SUCH_NODE, "link target " + target + " is not a node");
        }
        return source;
    }

    /**
     * A link must not widen who can read a stream: the caller needs search permission on every
     * node from the root down to {@code source}, and read permission on its {@code all}.
     */
    void requireReadable(final Node source, final String target, final Caller caller)
    {
        for (Node node = source; node != null; node = node.parent())
        {
            if (!caller.may(ownership.of(new Entry(Entry.Kind.NODE, node, null).inode(), Entry.Kind.NODE), Caller.SEARCH))
            {
                throw new Refusal(Errno.EACCES, "uid " + caller.uid() + " may not search " + node.path()
                    + ", so may not link to " + target);
            }
        }
        if (!caller.may(ownership.of(new Entry(Entry.Kind.ALL, source, null).inode(), Entry.Kind.ALL), Caller.READ))
        {
            throw new Refusal(Errno.EACCES, "uid " + caller.uid() + " may not read " + source.path() + "/all"
                + ", so may not link to " + target);
        }
    }
}
