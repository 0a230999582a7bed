package org.pipesfs.filters;

import org.agrona.BitUtil;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;
import org.pipesfs.buffers.IndexReader;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The packet-processing graph over one {@link DataBuffer} (the Trokis idea: blocks wired at
 * run time, here running over index entries), as one facade over its parts: the structure
 * ({@link GraphStructure}), the hot path ({@link Dispatcher}), written elements
 * ({@link WriteInjector}) and end-of-stream ({@link Liveness}). As the root's
 * {@link FrameSink} it offers each frame down the tree; every node keeps what its filter
 * accepts as an index entry with its own view of the same slot.
 *
 * <p>Thread rules: {@link #onFrame}, {@link #serviceWrites}, {@link #publish},
 * {@link #endSource} and {@link #reclaim} run on the producer thread; structure operations
 * ({@link #create}, {@link #remove}, {@link #move}, {@link #link}, {@link #unlink}) run on any
 * thread under one lock, so traffic keeps flowing while the graph is rewired.
 */
public final class NodeGraph implements FrameSink
{
    /** Entries per node ring under the lossless policy: 512 KiB of index per node. */
    public static final int DEFAULT_INDEX_ENTRIES = 1 << 14;
    /**
     * Data-buffer bytes a lossless mount cycles through while no transform can hold records:
     * the best of 4, 8, 16, 32 and 64 MiB for four readers, measured side by side.
     */
    static final int CACHE_WINDOW = 16 << 20;
    /** Largest lossy ring {@link #indexEntriesFor} picks: 8 MiB of index per node. */
    static final int MAX_LOSSY_INDEX_ENTRIES = 1 << 18;
    /** DBuf bytes per lossy ring entry: a ring spans a whole 64 MiB DBuf of 224-byte frames. */
    private static final int LOSSY_BYTES_PER_ENTRY = 256;
    /** Bytes of the hand-off ring from writers to the producer. */
    private static final int INLET_CAPACITY = 1 << 21;

    private final DataBuffer data;
    private final Node root;
    private final WriteInlet inlet;
    private final Liveness liveness;
    private final GraphStructure structure;
    private final Dispatcher dispatcher;
    private final WriteInjector injector;

    /**
     * Ring entries per node for a mount. A lossless producer waits for its slowest reader, so a
     * small ring only makes it run in batches. A lossy reader should be lapped only when it falls
     * a whole DBuf behind, but a 16384-entry ring laps after 20 ms of 137-byte frames at 850 kpps
     * (2 MiB of a 64 MiB DBuf): under load, a reader that misses one scheduler slice would lose
     * frames the DBuf still held. Lossy rings therefore grow with the DBuf, up to 8 MiB.
     */
    public static int indexEntriesFor(final BufferPolicy policy, final int bufferBytes)
    {
        if (policy != BufferPolicy.LOSSY)
        {
            return DEFAULT_INDEX_ENTRIES;
        }
        final int entries = BitUtil.findNextPositivePowerOfTwo(Math.max(1, bufferBytes / LOSSY_BYTES_PER_ENTRY));
        return Math.max(DEFAULT_INDEX_ENTRIES, Math.min(MAX_LOSSY_INDEX_ENTRIES, entries));
    }

    public NodeGraph(final DataBuffer data, final BufferPolicy policy, final int indexEntries)
    {
        this.data = data;
        data.beltway().batchWakeups();
        final DataBuffer written = data.companion(Math.max(DataBuffer.MIN_CAPACITY, data.capacity() / 4));
        final DataBuffer[] buffers = {data, written};
        final Object lock = new Object();
        this.root = new Node(1, "", null, null, data.newIndexBuffer(indexEntries, policy), true);
        this.liveness = new Liveness(root, lock);
        this.inlet = new WriteInlet(INLET_CAPACITY, liveness::settle, liveness::changed);
        this.structure = new GraphStructure(lock, root, buffers, policy, indexEntries, liveness);
        this.dispatcher = new Dispatcher(buffers, policy, root, structure);
        this.injector = new WriteInjector(inlet, buffers, policy, dispatcher, liveness);
        dispatcher.serviceWrites(injector::serviceWrites);
        data.whileWaiting(dispatcher::producerWaiting);
        data.beltway().pins(dispatcher::lowestHeld);
    }

    /** Sets the mount's memory budget; before any node other than the root is made. */
    public NodeGraph withMemoryBudget(final long bytes)
    {
        structure.withMemoryBudget(bytes);
        return this;
    }

    /** Adds the default tree: ip/{tcp/http,udp/dns,icmp}, ip6/{tcp/http,udp/dns,icmp6}, arp. */
    public NodeGraph withDefaultTree()
    {
        structure.withDefaultTree();
        return this;
    }

    public MemoryBudget budget()
    {
        return structure.budget();
    }

    public DataBuffer data()
    {
        return data;
    }

    public Node root()
    {
        return root;
    }

    /** Where writers of pipe files hand their elements to the producer. */
    public WriteInlet inlet()
    {
        return inlet;
    }

    /** Bytes transforms have copied into the written-elements buffer (defrag's datagrams; never stream). */
    public long transformCopies()
    {
        return dispatcher.transformCopies();
    }

    // ---- the producer side ------------------------------------------------------------------

    public boolean onFrame(final long position, final long sequence, final int capturedLength)
    {
        return dispatcher.onFrame(position, sequence, capturedLength);
    }

    /** Wakes readers of everything appended so far; the source pump calls it after each batch. */
    public void publish()
    {
        data.beltway().publish();
    }

    /**
     * Injects the elements writers have handed over, as far as their buffers allow without
     * waiting; releases closed writers; and re-decides which streams have ended.
     */
    public void serviceWrites()
    {
        injector.serviceWrites();
    }

    /** The source has ended: streams it fed end once drained, while nodes fed by writers go on. */
    public void endSource()
    {
        if (structure.transformNodes().length > 0)
        {
            dispatcher.releaseOldHolds(true); // nothing more will fill the gaps
        }
        liveness.sourceEnded();
        injector.serviceWrites();
    }

    /** End of every stream for good (unmount): each node's readers get end-of-file once drained. */
    public void end()
    {
        liveness.endAll();
    }

    /** Frees the rings of removed nodes whose last reader has closed. Producer thread, between frames. */
    public void reclaim()
    {
        structure.reclaim();
    }

    // ---- structure ----------------------------------------------------------------------------

    /**
     * The node at {@code path} ({@code /}, {@code /ip/tcp}), or null. A class a classifier has
     * not seen yet is made on first use; a class the user removed or moved away is not.
     */
    public Node lookup(final String path)
    {
        return structure.lookup(path);
    }

    /** One step of {@link #lookup}: the child named {@code name}, making a class on first use. */
    public Node child(final Node parent, final String name)
    {
        return structure.child(parent, name);
    }

    /** Opens a reader of {@code node}, counting its ring against the budget if this is its first. */
    public IndexReader openReader(final Node node)
    {
        return structure.openReader(node);
    }

    /** {@code mkdir parent/name}: a filter if name is a spec, a user node otherwise. */
    public Node create(final Node parent, final String name)
    {
        return structure.create(parent, name);
    }

    /** {@code rmdir}: the node must have no children or links; its readers get end-of-file. */
    public void remove(final Node node)
    {
        structure.remove(node);
    }

    /** {@code mv node newParent/newName}; a new name that is a filter spec reconfigures the node. */
    public void move(final Node node, final Node newParent, final String newName)
    {
        structure.move(node, newParent, newName);
    }

    /** {@code ln -s SOURCE parent/name}: splices source's stream into parent as one more input. */
    public void link(final Node parent, final String name, final Node source, final String target)
    {
        structure.link(parent, name, source, target);
    }

    /** Removes a link; that input stops feeding the node. */
    public void unlink(final Node parent, final String name)
    {
        structure.unlink(parent, name);
    }

    /** Every node path and link, one per line, depth first, each rendered by {@code escape}. */
    public String listing(final UnaryOperator<String> escape)
    {
        return structure.listing(escape);
    }

    /** The link named {@code name} in {@code parent}, or null. */
    public Node.Link linkNamed(final Node parent, final String name)
    {
        return structure.linkNamed(parent, name);
    }

    /** Names of the links in {@code parent}, in creation order. */
    public List<String> linkNames(final Node parent)
    {
        return structure.linkNames(parent);
    }
}
