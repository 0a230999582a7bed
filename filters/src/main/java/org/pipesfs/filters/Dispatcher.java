package org.pipesfs.filters;

import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFrame;
import org.pipesfs.filters.decode.PacketView;

/**
 * The hot path: offers each element down the graph. A frame is decoded once; every node runs
 * its filter once on it, keeps what it accepts with its own view of the same slot, appends an
 * index entry while it has readers, and offers the element on to its children and link
 * targets. Transform nodes ({@code stream}, {@code defrag}) emit through {@link TransformOutput};
 * written elements enter through {@link #offerWritten}. No allocation per element.
 *
 * <p>Thread rule: the producer thread only.
 */
final class Dispatcher
{
    /** Ring entries the lossless producer waits for once a ring is full, so it runs in batches. */
    private static final int RING_BATCH = 1024;

    private final DataBuffer data;
    private final DataBuffer written;
    /** Both data buffers, indexed by their id ({@link DataBuffer#SOURCE}, {@link DataBuffer#WRITTEN}). */
    private final DataBuffer[] buffers;
    private final BufferPolicy policy;
    private final Node root;
    private final GraphStructure structure;
    private final TransformOutput transformOutput = new TransformOutput();
    /** Injects written elements: run while the producer waits, so a writer fed by a reader of this stream cannot deadlock it. */
    private Runnable serviceWrites = () -> { };
    private PacketView packet = new PacketView();
    private int bufferId = DataBuffer.SOURCE;
    /** The {@link ElementFrame} tag of what is flowing: the record's frame, or an inner one. */
    private int frameTag;
    /** Elements now flowing are pieces of records: a repeated record sequence is no duplicate. */
    private boolean pieces;
    private Node emitNode;
    private int viewDepth;
    private final PacketView[] views = {new PacketView(), new PacketView(), new PacketView(), new PacketView()};
    private long frames;
    private long transformCopies;
    private long ringBudget;

    Dispatcher(final DataBuffer[] buffers, final BufferPolicy policy, final Node root, final GraphStructure structure)
    {
        this.data = buffers[0];
        this.written = buffers[1];
        this.buffers = buffers;
        this.policy = policy;
        this.root = root;
        this.structure = structure;
    }

    void serviceWrites(final Runnable action)
    {
        serviceWrites = action;
    }

    /** Bytes transforms have copied into the written-elements buffer (defrag's datagrams; never stream). */
    long transformCopies()
    {
        return transformCopies;
    }

    /**
     * Offers an element written to {@code node} (already copied into the written-elements
     * buffer at {@code position}) to the node and on down the graph.
     */
    void offerWritten(
        final Node node, final long position, final long sequence, final int frameLength, final int linkType,
        final int originalLength)
    {
        packet.decode(written.buffer(), written.frameOffset(position), frameLength, linkType, PacketView.TRANSPARENT)
            .originalLength(originalLength);
        ringBudget--;
        bufferId = DataBuffer.WRITTEN;
        try
        {
            node.countIn();
            if (deliver(node, DataBuffer.WRITTEN, position, sequence, 0, frameLength, ElementFrame.RECORD, true))
            {
                offerDownstream(node, position, sequence, 0, frameLength);
            }
        }
        finally
        {
            bufferId = DataBuffer.SOURCE;
        }
    }

    public boolean onFrame(final long position, final long sequence, final int capturedLength)
    {
        // Lossless: make sure no ring append below can wait. A frame adds at most one entry
        // per ring, so the least room of any ring is a budget of frames.
        if (policy == BufferPolicy.LOSSLESS && --ringBudget < 0 && !awaitRingRoom())
        {
            return false;
        }
        if ((++frames & 1023) == 0 && structure.transformNodes().length > 0)
        {
            releaseOldHolds(false);
        }
        packet.decode(data.buffer(), data.frameOffset(position), capturedLength, data.linkType(position),
            PacketView.TRANSPARENT).originalLength(data.originalLength(position));
        root.countIn();
        if (!deliver(root, DataBuffer.SOURCE, position, sequence, 0, capturedLength, ElementFrame.RECORD, true))
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
            structure.ensureClass(node, classifier, className);
        }
        else if (filter != null && !filter.accept(packet))
        {
            return;
        }
        accepted(node, filter, className, position, sequence, inOffset, inLength);
    }

    /**
     * The one step every element takes at a node: counted and kept (once: an element that
     * reaches a node by a second path is dropped here, and only here), and appended to the
     * node's ring while anyone reads it. Pieces of one record are not duplicates ({@code dedupe}
     * false).
     *
     * @return false if the node had it already, or its ring is closed: then nothing goes on.
     */
    private static boolean deliver(
        final Node node, final int buffer, final long position, final long sequence, final int offset, final int length,
        final int frameTag, final boolean dedupe)
    {
        if (!node.keep(buffer, sequence, length, dedupe))
        {
            return false;
        }
        final org.pipesfs.buffers.IndexBuffer out = node.output();
        if (out.readerCount() == 0)
        {
            return true;
        }
        return out.append(buffer, position, sequence, offset, length, frameTag);
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
                offset += packet.shift();
            }
        }
        if (!deliver(node, bufferId, position, sequence, offset, Math.max(0, length), frameTag, !pieces))
        {
            return; // reached through a second path: already there
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

    void offerDownstream(final Node node, final long position, final long sequence, final int offset, final int length)
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
        final int room = data.beltway().awaitRingRoom(RING_BATCH, serviceWrites);
        ringBudget = room - 1L;
        return room > 0;
    }

    /** While the producer waits for space: inject writes, and stop holding elements that pin it. */
    void producerWaiting()
    {
        serviceWrites.run();
        if (structure.transformNodes().length > 0)
        {
            releaseOldHolds(true);
            data.beltway().publish();
        }
    }

    /** What every transform holds back, for the lossless accounting of {@code bufferId}. */
    long lowestHeld(final int forBuffer, final long none)
    {
        long lowest = none;
        for (final Node node : structure.transformNodes())
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
    void releaseOldHolds(final boolean waiting)
    {
        for (final Node node : structure.transformNodes())
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
            final DataBuffer buffer = buffers[pieceBuffer];
            final PacketView view = views[viewDepth];
            view.decode(buffer.buffer(), buffer.frameOffset(position) + offset, length, PacketView.LINKTYPE_USER0,
                PacketView.TRANSPARENT).flow(flow).shift(offset);
            passOn(view, pieceBuffer, position, sequence, offset, length, className, true, frameTag);
        }

        public void emitInner(final long position, final long sequence, final int frameOffset, final int length,
            final int linkType)
        {
            final int shift = packet.shift() + frameOffset;
            final DataBuffer buffer = buffers[bufferId];
            final PacketView view = views[viewDepth];
            view.decode(buffer.buffer(), buffer.frameOffset(position) + shift, length, linkType, PacketView.TRANSPARENT)
                .originalLength(packet.originalLength() - frameOffset).shift(shift);
            passOn(view, bufferId, position, sequence, shift, length, null, false, ElementFrame.tag(shift, linkType));
        }

        public void passThrough(final long position, final long sequence, final int offset, final int length)
        {
            final Node node = emitNode;
            accepted(node, node.filter(), null, position, sequence, offset, length);
        }

        public void classEnded(final String className)
        {
            structure.classEnded(emitNode, className);
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
            final long timestampNs = buffers[likeBuffer].timestampNs(likePosition);
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
            passOn(view, DataBuffer.WRITTEN, position, sequence, 0, length, null, false, ElementFrame.RECORD);
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
            final boolean piece,
            final int elementFrame)
        {
            final Node node = emitNode;
            final PacketView outerPacket = packet;
            final int outerBuffer = bufferId;
            final int outerFrame = frameTag;
            final boolean outerPieces = pieces;
            packet = view;
            bufferId = elementBuffer;
            frameTag = elementFrame;
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
                deliver(node, elementBuffer, position, sequence, offset, length, frameTag, false);
                if (className != null && node.filter() instanceof Filter.Classifier classifier)
                {
                    structure.ensureClass(node, classifier, className);
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
                frameTag = outerFrame;
                pieces = outerPieces;
            }
        }
    }
}
