package org.pipesfs.fs.files;

import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;

/**
 * What a FUSE path names: a node (directory), one of its files, or a link in it. Resolution
 * walks the graph lock-free; the kernel resolves symlinks itself, so only the last component
 * can be a link.
 */
record Entry(Kind kind, Node node, Node.Link link)
{
    static final String ALL = "all";
    static final String ALL_PCAP = "all.pcap";
    static final String STATS = ".stats";
    static final String CTL = ".ctl";
    static final String GRAPH = ".graph";
    static final String LOG = ".log";
    static final String READERS = ".readers";
    static final String METRICS = ".metrics";
    /** Inode numbers: node id times this, plus the entry kind. */
    static final long INODES_PER_NODE = 16;

    enum Kind
    {
        NODE, ALL, ALL_PCAP, STATS, CTL, LINK, GRAPH, LOG, READERS, METRICS
    }

    /** Stable while the node exists: node id times {@link #INODES_PER_NODE}, plus the kind. */
    long inode()
    {
        return node.id() * INODES_PER_NODE + kind.ordinal();
    }

    /**
     * The entry {@code path} names, or null if none.
     *
     * @throws Refusal ENAMETOOLONG if its last name is longer than a directory entry can hold
     *         (the kernel looks names up one at a time, so only the last one is new).
     */
    static Entry resolve(final NodeGraph graph, final String path)
    {
        final int slash = path.lastIndexOf('/');
        final String leaf = GraphPaths.leaf(path);
        final Node parent = graph.lookup(slash <= 0 ? "/" : path.substring(0, slash));
        if (parent == null)
        {
            return null;
        }
        if (leaf.isEmpty())
        {
            return new Entry(Kind.NODE, parent, null);
        }
        switch (leaf)
        {
            case ALL -> { return new Entry(Kind.ALL, parent, null); }
            case ALL_PCAP -> { return new Entry(Kind.ALL_PCAP, parent, null); }
            case STATS -> { return new Entry(Kind.STATS, parent, null); }
            case CTL -> { return parent.isRoot() ? new Entry(Kind.CTL, parent, null) : null; }
            case GRAPH -> { return parent.isRoot() ? new Entry(Kind.GRAPH, parent, null) : null; }
            case LOG -> { return parent.isRoot() ? new Entry(Kind.LOG, parent, null) : null; }
            case READERS -> { return parent.isRoot() ? new Entry(Kind.READERS, parent, null) : null; }
            case METRICS -> { return parent.isRoot() ? new Entry(Kind.METRICS, parent, null) : null; }
            default -> { }
        }
        // through the graph, not Node.child(): it makes a classifier's class on first use
        final Node child = graph.child(parent, leaf);
        if (child != null)
        {
            return new Entry(Kind.NODE, child, null);
        }
        final Node.Link link = graph.linkNamed(parent, leaf);
        return link == null ? null : new Entry(Kind.LINK, parent, link);
    }
}
