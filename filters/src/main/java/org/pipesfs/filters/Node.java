package org.pipesfs.filters;

import org.pipesfs.buffers.CopyOnWrite;
import org.pipesfs.buffers.IndexBuffer;
import org.pipesfs.buffers.IndexReader;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One directory of the graph: a filter fed by its parent (and by any linked sources), with its
 * own output ring. The structure fields are written under the graph's lock and published
 * through volatile arrays, so the producer thread reads them without locking;
 * {@link #elementsIn()} is written by the producer alone.
 */
public final class Node
{
    static final Node[] NONE = new Node[0];

    private final long id;
    private final IndexBuffer output;
    private final boolean root;
    private volatile String name;
    private volatile Node parent;
    private volatile Filter filter;
    /** The filter if it is a {@link Filter.Transform}, else null: one load instead of a type check per element. */
    private volatile Filter.Transform transform;
    private volatile Node[] children = NONE;
    /** Children by name, published with {@link #children}: a stream node may have thousands. */
    private volatile java.util.Map<String, Node> childrenByName = java.util.Map.of();
    /** The children that are not this node's classes: those it offers elements to. */
    private volatile Node[] offerChildren = NONE;
    /** Nodes fed by this one through a link ({@code ln -s THIS P/NAME} puts P here). */
    private volatile Node[] linkTargets = NONE;
    /** Links inside this directory: name to (source node, target text). Guarded by the graph lock. */
    final Map<String, Link> links = new LinkedHashMap<>();
    /** Classes the user removed or moved away: a classifier does not make them again. Graph lock. */
    final Set<String> suppressedClasses = new HashSet<>();
    /** The classifier node this is a class of, while it sits under it with its class name. */
    private volatile Node classOf;
    private volatile long changedNs = System.currentTimeMillis() * 1_000_000L;
    // written by the producer alone; read racily by .stats
    private long elementsIn;
    private long elementsOut;
    private long bytesOut;
    private long lastSourceSequence = -1;
    private long lastWrittenSequence = -1;
    private final java.util.concurrent.atomic.AtomicInteger writers = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean everWritten;
    /** Budget this node holds for itself and its filter's tables; graph lock. */
    long reservedBytes;
    /** Budget held for its index ring, taken when its first reader opened; graph lock. */
    long ringBytes;
    /** Classes this classifier could not make for want of budget. */
    volatile long classesRefused;

    /** A symbolic link in a directory: its source node and the text {@code readlink} returns. */
    public record Link(Node source, String target)
    {
    }

    Node(final long id, final String name, final Node parent, final Filter filter, final IndexBuffer output, final boolean root)
    {
        this.id = id;
        this.name = name;
        this.parent = parent;
        this.filter = filter;
        this.transform = filter instanceof Filter.Transform t ? t : null;
        this.output = output;
        this.root = root;
    }

    /** Stable while the node exists: the FUSE inode number. */
    public long id()
    {
        return id;
    }

    public String name()
    {
        return name;
    }

    public Node parent()
    {
        return parent;
    }

    public boolean isRoot()
    {
        return root;
    }

    /** A node with no filter: fed only by writes and links, never by its parent. */
    public boolean isUserNode()
    {
        return !root && filter == null;
    }

    public Filter filter()
    {
        return filter;
    }

    Filter.Transform transform()
    {
        return transform;
    }

    /** An {@code inspect} node: its readers get one text line per element. */
    public boolean isInspect()
    {
        final Filter current = filter;
        return current != null && "inspect".equals(current.spec());
    }

    /** What runs here, as {@code .stats} reports it: the filter spec, {@code root} or {@code user node}. */
    public String describe()
    {
        return root ? "root" : filter == null ? "user node" : filter.spec();
    }

    /** Classes this classifier could not make because the memory budget was used up. */
    public long classesRefused()
    {
        return classesRefused;
    }

    public IndexBuffer output()
    {
        return output;
    }

    /** Opens an independent reader at the live head of this node's stream. */
    public IndexReader openReader()
    {
        return output.newReader();
    }

    public Node[] children()
    {
        return children;
    }

    public Node child(final String childName)
    {
        return childrenByName.get(childName);
    }

    /** Children that are not classes of this node: the ones its elements are offered to. */
    Node[] offerChildren()
    {
        return offerChildren;
    }

    /** A class node of {@code classifier}: the classifier routes elements to it by name. */
    boolean isClassOf(final Node classifier)
    {
        return classOf == classifier;
    }

    Node markClassOf(final Node classifier)
    {
        classOf = classifier;
        classifier.indexChildren();
        return this;
    }

    /** Rebuilds the name index and the offer list after the children changed. Graph lock. */
    private void indexChildren()
    {
        final java.util.Map<String, Node> byName = new java.util.HashMap<>();
        int plain = 0;
        for (final Node child : children)
        {
            byName.put(child.name, child);
            plain += child.classOf == this ? 0 : 1;
        }
        final Node[] offer = new Node[plain];
        int i = 0;
        for (final Node child : children)
        {
            if (child.classOf != this)
            {
                offer[i++] = child;
            }
        }
        childrenByName = byName;
        offerChildren = offer;
    }

    Node[] linkTargets()
    {
        return linkTargets;
    }

    public long elementsIn()
    {
        return elementsIn;
    }

    /** Elements this node kept, whether or not a reader was there to take them. */
    public long elementsOut()
    {
        return elementsOut;
    }

    /** Bytes of the views this node kept. */
    public long bytesOut()
    {
        return bytesOut;
    }

    /** Open writers of this node's {@code all} and {@code all.pcap}. */
    public int writers()
    {
        return writers.get();
    }

    /** True once a writer has opened this node: a user node then ends when its writers are gone. */
    boolean everWritten()
    {
        return everWritten;
    }

    void writerOpened()
    {
        everWritten = true;
        writers.incrementAndGet();
    }

    void writerClosed()
    {
        writers.decrementAndGet();
    }

    /** When the node's own entries last changed (created, renamed, children added or removed). */
    public long changedNs()
    {
        return changedNs;
    }

    /** Path from the root, e.g. {@code /ip/tcp}; the root is {@code /}. */
    public String path()
    {
        if (root)
        {
            return "/";
        }
        final String above = parent.path();
        return above.equals("/") ? "/" + name : above + "/" + name;
    }

    // ---- mutation, under the graph lock ---------------------------------------------------

    void countIn()
    {
        elementsIn++;
    }

    /**
     * Records a kept element; false if it already arrived through another path. The entry
     * itself is appended only while the ring has readers (demand-driven, as in Streamline).
     */
    boolean keep(final int bufferId, final long sequence, final int viewLength)
    {
        return keep(bufferId, sequence, viewLength, true);
    }

    /** {@link #keep}; a piece of a record ({@code dedupe} false) is never a second path's copy. */
    boolean keep(final int bufferId, final long sequence, final int viewLength, final boolean dedupe)
    {
        if (bufferId == org.pipesfs.buffers.DataBuffer.SOURCE)
        {
            if (dedupe && sequence == lastSourceSequence)
            {
                return false;
            }
            lastSourceSequence = sequence;
        }
        else
        {
            if (dedupe && sequence == lastWrittenSequence)
            {
                return false;
            }
            lastWrittenSequence = sequence;
        }
        elementsOut++;
        bytesOut += viewLength;
        return true;
    }

    /** Marks the node changed now (its mtime and ctime). */
    public void touch()
    {
        changedNs = System.currentTimeMillis() * 1_000_000L;
    }

    void rename(final String newName, final Node newParent, final Filter newFilter)
    {
        if (newParent != parent || !newName.equals(name))
        {
            classOf = null;
        }
        name = newName;
        parent = newParent;
        filter = newFilter;
        transform = newFilter instanceof Filter.Transform t ? t : null;
        touch();
    }

    void addChild(final Node child)
    {
        children = CopyOnWrite.with(children, child);
        indexChildren();
        touch();
    }

    void removeChild(final Node child)
    {
        children = CopyOnWrite.without(children, child);
        indexChildren();
        touch();
    }

    void addLinkTarget(final Node target)
    {
        linkTargets = CopyOnWrite.with(linkTargets, target);
    }

    void removeLinkTarget(final Node target)
    {
        linkTargets = CopyOnWrite.without(linkTargets, target);
    }
}
