package org.pipesfs.filters;

import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;
import org.pipesfs.buffers.IndexBuffer;
import org.pipesfs.filters.decode.PacketView;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The packet-processing graph over one {@link DataBuffer} (the Trokis idea: blocks wired at
 * run time, here running over index entries). As the root's {@link FrameSink} it decodes each
 * frame once and offers it down the tree: every node runs its filter once per element and
 * appends one index entry with its own view; linked nodes get the entries of their sources.
 * Classifiers make their class nodes on first sight, unless the user removed or moved them.
 *
 * <p>Thread rules: {@link #onFrame} and {@link #end} run on the producer thread; structural
 * operations ({@link #create}, {@link #remove}, {@link #move}, {@link #link}, {@link #unlink})
 * run on any thread under one lock and publish through volatile arrays, so traffic keeps
 * flowing while the graph is rewired and untouched nodes lose and duplicate nothing.
 */
public final class NodeGraph implements FrameSink
{
    /** Entries per node ring under the lossless policy: 512 KiB of index per node. */
    public static final int DEFAULT_INDEX_ENTRIES = 1 << 14;
    /**
     * Data-buffer bytes a lossless mount cycles through while no transform can hold records:
     * measured best of 4, 8, 16, 32 and 64 MiB for four readers here.
     */
    static final int CACHE_WINDOW = 16 << 20;
    /** Largest lossy ring {@link #indexEntriesFor} picks: 8 MiB of index per node. */
    static final int MAX_LOSSY_INDEX_ENTRIES = 1 << 18;
    /** DBuf bytes per lossy ring entry: a ring spans a whole 64 MiB DBuf of 224-byte frames. */
    private static final int LOSSY_BYTES_PER_ENTRY = 256;
    public static final int MAX_NAME = 255;
    private static final String[][] DEFAULT_TREE = {
        {"ip"}, {"ip", "tcp"}, {"ip", "tcp", "http"}, {"ip", "udp"}, {"ip", "udp", "dns"}, {"ip", "icmp"},
        {"ip6"}, {"ip6", "tcp"}, {"ip6", "tcp", "http"}, {"ip6", "udp"}, {"ip6", "udp", "dns"}, {"ip6", "icmp6"},
        {"arp"},
    };

    /** Bytes of the hand-off ring from writers to the producer. */
    private static final int INLET_CAPACITY = 1 << 21;
    /** Ring entries the lossless producer waits for once a ring is full, so it runs in batches. */
    private static final int RING_BATCH = 1024;

    private final DataBuffer data;
    private final DataBuffer written;
    /** Both data buffers, for walks over them on the producer without an array per walk. */
    private final DataBuffer[] buffers;
    private final WriteInlet inlet;
    private final ControlledMessageHandler injector = this::inject;
    private final Runnable serviceWritesAction = this::serviceWrites;
    private final BufferPolicy policy;
    private final int indexEntries;
    private final Object lock = new Object();
    private final Node root;
    private MemoryBudget budget = new MemoryBudget(Long.MAX_VALUE);
    private PacketView packet = new PacketView();
    private long nextId = 2;
    /** Rings of removed nodes, freed by the producer once their readers are gone. */
    private final java.util.concurrent.ConcurrentLinkedQueue<IndexBuffer> retired = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.ArrayList<IndexBuffer> retiring = new java.util.ArrayList<>();
    /** Set once every stream has ended for good (unmount): nothing restarts after it. */
    private volatile boolean ended;
    private volatile boolean sourceEnded;
    /** Writers or structure changed: the producer re-decides which streams have ended. */
    private volatile boolean livenessChanged;
    /** Nodes running a {@link Filter.Transform}: their held elements pin data. */
    private volatile Node[] transformNodes = Node.NONE;
    private final TransformOutput transformOutput = new TransformOutput();
    // producer-owned
    private int bufferId = DataBuffer.SOURCE;
    /** Added to a view's offsets: the decoded view starts this far into the record's frame. */
    private int baseShift;
    /** Elements now flowing are pieces of records: a repeated record sequence is no duplicate. */
    private boolean pieces;
    private Node emitNode;
    private int viewDepth;
    private final PacketView[] views = {new PacketView(), new PacketView(), new PacketView(), new PacketView()};
    private long frames;
    private long transformCopies;
    private long ringBudget;
    private boolean servicing;

    /**
     * Ring entries per node for a mount. A lossless producer waits for its slowest reader, so a
     * small ring only makes it run in batches. A lossy reader should be lapped only when it falls
     * a whole DBuf behind, but a 16384-entry ring laps after 20 ms of 137-byte frames at
     * 850 kpps (2 MiB of a 64 MiB DBuf): under load, a reader that misses one scheduler slice
     * lost frames the DBuf still held. Lossy rings therefore grow with the DBuf, up to 8 MiB.
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
        data.batchWakeups();
        this.written = data.companion(Math.max(DataBuffer.MIN_CAPACITY, data.capacity() / 4));
        this.buffers = new DataBuffer[] {data, written};
        this.inlet = new WriteInlet(INLET_CAPACITY, this::settleLiveness, () -> livenessChanged = true);
        this.policy = policy;
        this.indexEntries = indexEntries;
        this.root = new Node(1, "", null, null, data.newIndexBuffer(indexEntries, policy), true);
        data.whileWaiting(this::producerWaiting);
        data.pins(this::lowestHeld);
        transformNodes(Node.NONE);
    }

    /**
     * The one place {@link #transformNodes} changes, so the buffers' windows follow it: held
     * records (a `stream` node's early segments) get the whole buffer, otherwise the cache window.
     */
    private void transformNodes(final Node[] nodes)
    {
        transformNodes = nodes;
        final int bytes = nodes.length == 0 ? CACHE_WINDOW : Integer.MAX_VALUE;
        for (final DataBuffer buffer : buffers)
        {
            buffer.cycleWithin(bytes);
        }
    }

    /** Sets the mount's memory budget; before any node other than the root is made. */
    public NodeGraph withMemoryBudget(final long bytes)
    {
        synchronized (lock)
        {
            final MemoryBudget fresh = new MemoryBudget(bytes);
            fresh.tryReserve(budget.used());
            budget = fresh;
        }
        return this;
    }

    public MemoryBudget budget()
    {
        return budget;
    }

    /**
     * Opens a reader of {@code node}, counting its index ring against the budget when this is
     * the ring's first reader: the ring's memory is allocated then, and kept while the node lives.
     */
    public org.pipesfs.buffers.IndexReader openReader(final Node node)
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

    /** Bytes transforms have copied into the written-elements buffer (defrag's datagrams; never stream). */
    public long transformCopies()
    {
        return transformCopies;
    }

    /** Where writers of pipe files hand their elements to the producer. */
    public WriteInlet inlet()
    {
        return inlet;
    }

    /** Adds the default tree: ip/{tcp/http,udp/dns,icmp}, ip6/{tcp/http,udp/dns,icmp6}, arp. */
    public NodeGraph withDefaultTree()
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
        return this;
    }

    public DataBuffer data()
    {
        return data;
    }

    public Node root()
    {
        return root;
    }

    // ---- the producer side ------------------------------------------------------------------

    public boolean onFrame(final long position, final long sequence, final int capturedLength)
    {
        // Lossless: make sure no ring append below can wait. A frame adds at most one entry
        // per ring, so the least room of any ring is a budget of frames.
        if (policy == BufferPolicy.LOSSLESS && --ringBudget < 0 && !awaitRingRoom())
        {
            return false;
        }
        if ((++frames & 1023) == 0 && transformNodes.length > 0)
        {
            releaseOldHolds(false);
        }
        packet.decode(data.buffer(), data.frameOffset(position), capturedLength, data.linkType(position),
            PacketView.TRANSPARENT).originalLength(data.originalLength(position));
        root.countIn();
        root.keep(DataBuffer.SOURCE, sequence, capturedLength);
        if (root.output().readerCount() > 0
            && !root.output().append(DataBuffer.SOURCE, position, sequence, 0, capturedLength, 0))
        {
            return false;
        }
        offerDownstream(root, position, sequence, 0, capturedLength);
        return !data.isClosed();
    }

    private void offer(final Node node, final long position, final long sequence, final int inOffset, final int inLength)
    {
        node.countIn();
        final Filter filter = node.filter();
        String className = null;
        if (filter instanceof Filters.Protocol protocol)
        {
            // the common case, called monomorphically so the JIT can inline its switch
            if (!protocol.accept(packet))
            {
                return;
            }
        }
        else if (node.transform() != null)
        {
            transform(node, node.transform(), position, sequence, inOffset, inLength);
            return;
        }
        else if (filter instanceof Filter.Classifier classifier)
        {
            className = classifier.classify(packet);
            if (className == null)
            {
                return;
            }
            ensureClass(node, classifier, className);
        }
        else if (filter != null && !filter.accept(packet))
        {
            return;
        }
        accepted(node, filter, className, position, sequence, inOffset, inLength);
    }

    private void append(final Node node, final long position, final long sequence, final int offset, final int length)
    {
        if (pieces)
        {
            node.output().appendPiece(bufferId, position, sequence, offset, length, 0);
        }
        else
        {
            node.output().append(bufferId, position, sequence, offset, length, 0);
        }
    }

    /** Runs a transform node (kept out of {@link #offer} so that stays small enough to inline). */
    private void transform(
        final Node node, final Filter.Transform transform, final long position, final long sequence, final int inOffset,
        final int inLength)
    {
        final Node outer = emitNode;
        emitNode = node;
        try
        {
            transform.transform(packet, bufferId, position, sequence, inOffset, inLength, transformOutput);
        }
        finally
        {
            emitNode = outer;
        }
    }

    /** Appends an element {@code node} has accepted, narrowed to its view, and passes it on. */
    private void accepted(
        final Node node,
        final Filter filter,
        final String className,
        final long position,
        final long sequence,
        final int inOffset,
        final int inLength)
    {
        int offset = inOffset;
        int length = inLength;
        if (filter != null)
        {
            final PacketView packet = this.packet;
            switch (filter.view())
            {
                case FRAME -> { offset = 0; length = packet.length(); }
                case NETWORK -> { offset = packet.networkOffset(); length = packet.networkEnd() - offset; }
                case TRANSPORT -> { offset = packet.transportOffset(); length = packet.transportEnd() - offset; }
                case PAYLOAD -> { offset = packet.payloadOffset(); length = packet.payloadLength(); }
                default -> offset = -1; // INHERIT: what the input showed
            }
            if (offset < 0)
            {
                offset = inOffset;
                length = inLength;
            }
            else
            {
                offset += baseShift;
            }
        }
        if (!node.keep(bufferId, sequence, Math.max(0, length), !pieces))
        {
            return; // reached through a second path: already there
        }
        if (node.output().readerCount() > 0)
        {
            append(node, position, sequence, offset, Math.max(0, length));
        }
        if (className == null)
        {
            offerDownstream(node, position, sequence, offset, length);
            return;
        }
        // The classifier has named the class: its node takes the element without asking again.
        final Node classNode = node.child(className);
        if (classNode != null && classNode.isClassOf(node))
        {
            classNode.countIn();
            accepted(classNode, classNode.filter(), null, position, sequence, offset, length);
        }
        offerToOthers(node, position, sequence, offset, length);
    }

    /** Offers an element a classifier has routed to its class on to its other children and links. */
    private void offerToOthers(final Node node, final long position, final long sequence, final int offset, final int length)
    {
        offerTo(node.offerChildren(), node, position, sequence, offset, length);
    }

    private void offerDownstream(final Node node, final long position, final long sequence, final int offset, final int length)
    {
        offerTo(node.children(), node, position, sequence, offset, length);
    }

    /** Offers an element to {@code children} of {@code node} that are not user nodes, and to its link targets. */
    private void offerTo(
        final Node[] children, final Node node, final long position, final long sequence, final int offset, final int length)
    {
        for (final Node child : children)
        {
            if (!child.isUserNode())
            {
                offer(child, position, sequence, offset, length);
            }
        }
        for (final Node target : node.linkTargets())
        {
            offer(target, position, sequence, offset, length);
        }
    }

    /**
     * Waits until every ring has room for one more entry, injecting written elements meanwhile:
     * the producer never blocks halfway through a frame, so a writer fed by a slow reader of
     * this very stream ({@code cat a/all | grep > b/all}) cannot deadlock it.
     */
    private boolean awaitRingRoom()
    {
        final int room = data.awaitRingRoom(RING_BATCH, serviceWritesAction);
        ringBudget = room - 1L;
        return room > 0;
    }

    /** While the producer waits for space: inject writes, and stop holding elements that pin it. */
    private void producerWaiting()
    {
        serviceWrites();
        if (transformNodes.length > 0)
        {
            releaseOldHolds(true);
            data.publish();
        }
    }

    /** Wakes readers of everything appended so far; the source pump calls it after each batch. */
    public void publish()
    {
        data.publish();
    }

    // ---- transforms (stream, defrag), on the producer thread ----------------------------------

    /** What every transform holds back, for the lossless accounting of {@code bufferId}. */
    private long lowestHeld(final int forBuffer, final long none)
    {
        long lowest = none;
        for (final Node node : transformNodes)
        {
            if (node.filter() instanceof Filter.Transform transform)
            {
                lowest = Math.min(lowest, transform.lowestHeld(forBuffer, none));
            }
        }
        return lowest;
    }

    /**
     * Held elements must not pin a data buffer for ever: those older than half a buffer (all of
     * them, when the producer is waiting) are released, skipping the gaps before them.
     */
    private void releaseOldHolds(final boolean waiting)
    {
        for (final Node node : transformNodes)
        {
            if (node.filter() instanceof Filter.Transform transform && transform.holds())
            {
                final Node outer = emitNode;
                emitNode = node;
                try
                {
                    for (final DataBuffer buffer : buffers)
                    {
                        final long before = buffer.tail() - (waiting ? 0 : buffer.capacity() / 2);
                        transform.releaseBefore(buffer.id(), before, transformOutput);
                    }
                }
                finally
                {
                    emitNode = outer;
                }
            }
        }
    }

    /** The {@link Filter.Emitter} of whichever transform node is running ({@link #emitNode}). */
    private final class TransformOutput implements Filter.Emitter
    {
        public void emitPiece(
            final int pieceBuffer,
            final long position,
            final long sequence,
            final int offset,
            final int length,
            final String className,
            final long flow)
        {
            final DataBuffer buffer = pieceBuffer == DataBuffer.WRITTEN ? written : data;
            final PacketView view = views[viewDepth];
            view.decode(buffer.buffer(), buffer.frameOffset(position) + offset, length, PacketView.LINKTYPE_USER0,
                PacketView.TRANSPARENT).flow(flow);
            passOn(view, pieceBuffer, position, sequence, offset, length, className, true);
        }

        public void passThrough(final long position, final long sequence, final int offset, final int length)
        {
            final Node node = emitNode;
            accepted(node, node.filter(), null, position, sequence, offset, length);
        }

        public void classEnded(final String className)
        {
            NodeGraph.this.classEnded(emitNode, className);
        }

        public boolean emitNew(
            final org.agrona.DirectBuffer source,
            final int offset,
            final int length,
            final int linkType,
            final int likeBuffer,
            final long likePosition)
        {
            if (length > DataBuffer.MAX_FRAME_LENGTH || !written.hasRoom(length))
            {
                return false;
            }
            final long timestampNs = (likeBuffer == DataBuffer.WRITTEN ? written : data).timestampNs(likePosition);
            final long position = written.claim(length);
            if (position < 0)
            {
                return false;
            }
            written.buffer().putBytes(written.frameOffset(position), source, offset, length);
            transformCopies += length;
            final long sequence = written.commit(position, length, length, timestampNs, linkType);
            final PacketView view = views[viewDepth];
            view.decode(written.buffer(), written.frameOffset(position), length, linkType, PacketView.TRANSPARENT);
            passOn(view, DataBuffer.WRITTEN, position, sequence, 0, length, null, false);
            return true;
        }

        /**
         * Passes an element the transform yields on from its node, decoded in {@code view}: a
         * whole new element as any accepted element, a piece to the node's ring, its flow's
         * class and its other children.
         */
        private void passOn(
            final PacketView view,
            final int elementBuffer,
            final long position,
            final long sequence,
            final int offset,
            final int length,
            final String className,
            final boolean piece)
        {
            final Node node = emitNode;
            final PacketView outerPacket = packet;
            final int outerBuffer = bufferId;
            final int outerShift = baseShift;
            final boolean outerPieces = pieces;
            packet = view;
            bufferId = elementBuffer;
            baseShift = piece ? offset : 0;
            pieces = piece;
            viewDepth++;
            ringBudget--;
            try
            {
                if (!piece)
                {
                    accepted(node, node.filter(), null, position, sequence, offset, length);
                    return;
                }
                node.keep(elementBuffer, sequence, length, false);
                if (node.output().readerCount() > 0)
                {
                    node.output().appendPiece(elementBuffer, position, sequence, offset, length, 0);
                }
                if (className != null && node.filter() instanceof Filter.Classifier classifier)
                {
                    ensureClass(node, classifier, className);
                }
                final Node classNode = className == null ? null : node.child(className);
                if (classNode != null && classNode.isClassOf(node))
                {
                    classNode.countIn();
                    accepted(classNode, null, null, position, sequence, offset, length);
                }
                offerToOthers(node, position, sequence, offset, length);
            }
            finally
            {
                viewDepth--;
                packet = outerPacket;
                bufferId = outerBuffer;
                baseShift = outerShift;
                pieces = outerPieces;
            }
        }
    }

    // ---- written elements, on the producer thread ---------------------------------------------

    /**
     * Injects the elements writers have handed over, as far as their buffers allow without
     * waiting; releases closed writers; and re-decides which streams have ended. Producer
     * thread only; called between frames and while the producer waits for space.
     */
    public void serviceWrites()
    {
        if (servicing)
        {
            return;
        }
        servicing = true;
        try
        {
            if (inlet.drain(injector) > 0)
            {
                data.publish();
            }
            inlet.releaseClosed();
            if (livenessChanged)
            {
                livenessChanged = false;
                settleLiveness();
            }
        }
        finally
        {
            servicing = false;
        }
    }

    private ControlledMessageHandler.Action inject(
        final int slotPlusOne, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final Node node = inlet.node(slotPlusOne - 1);
        final int frameLength = length - WriteInlet.HEADER_LENGTH;
        if (node == null || frameLength > DataBuffer.MAX_FRAME_LENGTH)
        {
            return ControlledMessageHandler.Action.CONTINUE;
        }
        if (!written.hasRoom(frameLength) || !reachHasRoom(node))
        {
            return ControlledMessageHandler.Action.ABORT; // stays in the inlet; the writer waits
        }
        final long position = written.claim(frameLength);
        if (position < 0)
        {
            return ControlledMessageHandler.Action.ABORT;
        }
        final int linkType = buffer.getInt(index + WriteInlet.LINK_TYPE_OFFSET);
        final int originalLength = buffer.getInt(index + WriteInlet.ORIGINAL_LENGTH_OFFSET);
        written.buffer().putBytes(written.frameOffset(position), buffer, index + WriteInlet.HEADER_LENGTH, frameLength);
        final long sequence = written.commit(
            position, frameLength, originalLength, buffer.getLong(index + WriteInlet.TIMESTAMP_OFFSET), linkType);
        packet.decode(written.buffer(), written.frameOffset(position), frameLength, linkType, PacketView.TRANSPARENT)
            .originalLength(originalLength);
        ringBudget--;
        bufferId = DataBuffer.WRITTEN;
        try
        {
            node.countIn();
            if (node.keep(DataBuffer.WRITTEN, sequence, frameLength))
            {
                if (node.output().readerCount() > 0)
                {
                    node.output().append(DataBuffer.WRITTEN, position, sequence, 0, frameLength, 0);
                }
                offerDownstream(node, position, sequence, 0, frameLength);
            }
        }
        finally
        {
            bufferId = DataBuffer.SOURCE;
        }
        return ControlledMessageHandler.Action.CONTINUE;
    }

    /** True if every ring an element injected at {@code node} can reach takes it without waiting. */
    private boolean reachHasRoom(final Node node)
    {
        if (policy == BufferPolicy.LOSSY)
        {
            return true;
        }
        if (node.output().room() < 1)
        {
            return false;
        }
        for (final Node child : node.children())
        {
            if (!child.isUserNode() && !reachHasRoom(child))
            {
                return false;
            }
        }
        for (final Node target : node.linkTargets())
        {
            if (!reachHasRoom(target))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Ends the streams nothing feeds any more and restarts those fed again. Runs on the
     * producer after writers are released, and on the opening thread when a writer opens, so
     * a reader that opens next already sees the new run. The root
     * while its source runs, a filter while its parent lives, any node while it has a writer or
     * a live linked source, and a user node until its first writer has come and gone.
     */
    private void settleLiveness()
    {
        synchronized (lock)
        {
            if (ended)
            {
                return;
            }
            final List<Node> nodes = new ArrayList<>();
            final ArrayDeque<Node> todo = new ArrayDeque<>();
            todo.add(root);
            while (!todo.isEmpty())
            {
                final Node node = todo.poll();
                nodes.add(node);
                todo.addAll(List.of(node.children()));
            }
            final java.util.Set<Node> live = new java.util.HashSet<>();
            boolean grew = true;
            while (grew)
            {
                grew = false;
                for (final Node node : nodes)
                {
                    if (!live.contains(node) && isLive(node, live))
                    {
                        live.add(node);
                        grew = true;
                    }
                }
            }
            for (final Node node : nodes)
            {
                if (live.contains(node))
                {
                    node.output().restart();
                }
                else if (fedOnlyByWrites(node))
                {
                    node.output().endRun(); // like a FIFO: a reader opening now waits for the next writer
                }
                else
                {
                    node.output().end();
                }
            }
        }
    }

    private static boolean fedOnlyByWrites(final Node node)
    {
        for (Node up = node; !up.isRoot(); up = up.parent())
        {
            if (up.isUserNode())
            {
                return up.links.isEmpty();
            }
        }
        return false;
    }

    private boolean isLive(final Node node, final java.util.Set<Node> live)
    {
        if (node.isRoot())
        {
            return !sourceEnded;
        }
        if (node.writers() > 0 || (!node.isUserNode() && live.contains(node.parent())))
        {
            return true;
        }
        if (node.isUserNode() && !node.everWritten() && node.links.isEmpty())
        {
            return true; // like a FIFO, it waits for its first writer
        }
        for (final Node.Link link : node.links.values())
        {
            if (live.contains(link.source()))
            {
                return true;
            }
        }
        return false;
    }

    private void ensureClass(final Node node, final Filter.Classifier classifier, final String className)
    {
        if (className == null || node.child(className) != null)
        {
            return;
        }
        synchronized (lock)
        {
            if (node.child(className) == null && !node.links.containsKey(className)
                && !node.suppressedClasses.contains(className) && isAttached(node))
            {
                final Filter classFilter = classifier.classFilter(className);
                if (budget.limit() - budget.used() < costOf(classFilter))
                {
                    // counted, and said once: this runs per element while the budget stays short
                    if (node.classesRefused++ == 0)
                    {
                        System.err.println("pipesfs: " + node.path() + ": classes not made: the memory budget is used up");
                    }
                    return;
                }
                try
                {
                    attach(node, className, classFilter).markClassOf(node);
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
    public void reclaim()
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

    /**
     * The source has ended: streams it fed end once drained, while nodes fed by writers go on.
     * Producer thread.
     */
    public void endSource()
    {
        if (transformNodes.length > 0)
        {
            releaseOldHolds(true); // nothing more will fill the gaps
        }
        sourceEnded = true;
        livenessChanged = true;
        serviceWrites();
    }

    /** End of every stream for good (unmount): each node's readers get end-of-file once drained. */
    public void end()
    {
        synchronized (lock)
        {
            ended = true;
            final ArrayDeque<Node> todo = new ArrayDeque<>();
            todo.add(root);
            while (!todo.isEmpty())
            {
                final Node node = todo.poll();
                node.output().end();
                todo.addAll(List.of(node.children()));
            }
        }
    }

    // ---- structure ----------------------------------------------------------------------------

    /**
     * The node at {@code path} ({@code /}, {@code /ip/tcp}), or null. A class a classifier has
     * not seen yet is made on first use, so a script can open {@code http/get/all} before any
     * GET arrives; a class the user removed or moved away is not.
     */
    public Node lookup(final String path)
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
    public Node child(final Node parent, final String name)
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
    public Node create(final Node parent, final String name)
    {
        checkName(name);
        final Filter filter;
        try
        {
            filter = Filters.parse(name);
        }
        catch (final FilterSpecException ex)
        {
            throw new GraphException(GraphException.EINVAL, ex.getMessage());
        }
        synchronized (lock)
        {
            requireAttached(parent);
            requireFree(parent, name);
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
    public void remove(final Node node)
    {
        synchronized (lock)
        {
            if (node.isRoot())
            {
                throw new GraphException(GraphException.EBUSY, "the root cannot be removed");
            }
            requireAttached(node);
            if (node.children().length > 0 || !node.links.isEmpty())
            {
                throw new GraphException(GraphException.ENOTEMPTY, node.path() + " still has nodes or links in it");
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
        detachLinks(node);
        node.output().close();
        retired.add(node.output());
        budget.release(node.reservedBytes + node.ringBytes);
        node.reservedBytes = 0;
        node.ringBytes = 0;
        if (node.filter() instanceof Filter.Transform)
        {
            transformNodes(org.pipesfs.buffers.CopyOnWrite.without(transformNodes, node));
        }
        livenessChanged = true;
        if (ended)
        {
            reclaimLocked(); // the producer has stopped: nothing else touches these rings
        }
    }

    /**
     * A class of {@code classifier} will see nothing more (a {@code stream} flow closed or went
     * idle): its directory goes, unless the user has built on it (children, links in or out).
     * Producer thread.
     */
    private void classEnded(final Node classifier, final String className)
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
    public void move(final Node node, final Node newParent, final String newName)
    {
        checkName(newName);
        final Filter newFilter;
        try
        {
            final Filter parsed = Filters.parse(newName);
            newFilter = parsed != null || newName.equals(node.name()) && node.filter() != null
                ? (parsed != null ? parsed : node.filter()) : null;
        }
        catch (final FilterSpecException ex)
        {
            throw new GraphException(GraphException.EINVAL, ex.getMessage());
        }
        synchronized (lock)
        {
            if (node.isRoot())
            {
                throw new GraphException(GraphException.EBUSY, "the root cannot be moved");
            }
            requireAttached(node);
            requireAttached(newParent);
            for (Node up = newParent; up != null; up = up.parent())
            {
                if (up == node)
                {
                    throw new GraphException(GraphException.EINVAL, "cannot move " + node.path() + " into itself");
                }
            }
            final Node existing = newParent.child(newName);
            if (existing == node)
            {
                return;
            }
            if (newParent.links.containsKey(newName))
            {
                throw new GraphException(GraphException.EEXIST, newParent.path() + " has a link named " + newName);
            }
            if (wouldCycle(newParent, node))
            {
                throw new GraphException(GraphException.ELOOP, "moving " + node.path() + " there would make a loop");
            }
            if (existing != null && (existing.children().length > 0 || !existing.links.isEmpty()))
            {
                throw new GraphException(GraphException.ENOTEMPTY, existing.path() + " still has nodes or links in it");
            }
            final long cost = costOf(newFilter);
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
            livenessChanged = true;
        }
    }

    /** {@code ln -s SOURCE parent/name}: splices source's stream into parent as one more input. */
    public void link(final Node parent, final String name, final Node source, final String target)
    {
        checkName(name);
        synchronized (lock)
        {
            requireAttached(parent);
            requireAttached(source);
            requireFree(parent, name);
            if (source == parent || wouldCycle(source, parent))
            {
                throw new GraphException(GraphException.ELOOP, "linking " + source.path() + " into " + parent.path()
                    + " would make a loop");
            }
            parent.links.put(name, new Node.Link(source, target));
            source.addLinkTarget(parent);
            parent.touch();
            livenessChanged = true;
        }
    }

    /** Removes a link; that input stops feeding the node. */
    public void unlink(final Node parent, final String name)
    {
        synchronized (lock)
        {
            final Node.Link link = parent.links.remove(name);
            if (link == null)
            {
                throw new GraphException(GraphException.ENOENT, "no link " + name + " in " + parent.path());
            }
            if (parent.links.values().stream().noneMatch(other -> other.source() == link.source()))
            {
                link.source().removeLinkTarget(parent);
            }
            parent.touch();
            livenessChanged = true;
        }
    }

    /**
     * The graph's own listing, one line per node path ({@code /ip/tcp}) and per link
     * ({@code /web/plain -> TARGET}), depth first, taken under the lock so it is consistent.
     * {@code escape} renders each path and target, so that no name can add a line or an arrow.
     */
    public String listing(final java.util.function.UnaryOperator<String> escape)
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
    public Node.Link linkNamed(final Node parent, final String name)
    {
        synchronized (lock)
        {
            return parent.links.get(name);
        }
    }

    /** Names of the links in {@code parent}, in creation order. */
    public List<String> linkNames(final Node parent)
    {
        synchronized (lock)
        {
            return new ArrayList<>(parent.links.keySet());
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private Node attach(final Node parent, final String name, final Filter filter)
    {
        final long cost = costOf(filter);
        budget.reserve(cost, "node " + (parent.isRoot() ? "" : parent.path()) + "/" + name);
        final IndexBuffer output;
        try
        {
            output = data.newIndexBuffer(indexEntries, policy);
        }
        catch (final OutOfMemoryError ex)
        {
            budget.release(cost);
            throw new GraphException(GraphException.ENOMEM, "no buffer memory left for another node (" + ex.getMessage() + ")");
        }
        final Node node = new Node(nextId++, name, parent, filter, output, false);
        node.reservedBytes = cost;
        if (ended)
        {
            node.output().end();
        }
        livenessChanged = true;
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

    private static long costOf(final Filter filter)
    {
        return MemoryBudget.NODE_BYTES + (filter == null ? 0 : filter.stateBytes());
    }

    /** True if data can already flow from {@code from} to {@code to} (so to → from would loop). */
    private static boolean wouldCycle(final Node to, final Node from)
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
                todo.addAll(List.of(node.children()));
                todo.addAll(List.of(node.linkTargets()));
            }
        }
        return false;
    }

    private void detachLinks(final Node node)
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

    private boolean isAttached(final Node node)
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

    private void requireAttached(final Node node)
    {
        if (!isAttached(node))
        {
            throw new GraphException(GraphException.ENOENT, node.name() + " no longer exists");
        }
    }

    private static void requireFree(final Node parent, final String name)
    {
        if (parent.child(name) != null || parent.links.containsKey(name))
        {
            throw new GraphException(GraphException.EEXIST, parent.path() + " already has " + name);
        }
    }

    private static void checkName(final String name)
    {
        if (name.isEmpty() || name.startsWith(".") || name.endsWith(".pcap") || name.equals("all") || name.contains("/"))
        {
            throw new GraphException(GraphException.EINVAL, "'" + name + "' is reserved for views and controls");
        }
    }
}
