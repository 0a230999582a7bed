package org.pipesfs.filters;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;

/**
 * Brings what writers of pipe files handed over ({@link WriteInlet}) into the graph: each
 * element is copied once into the written-elements buffer and offered at its node. Under
 * {@code lossless} an element waits in the inlet until every ring it can reach has room, so
 * the producer never waits halfway through one.
 *
 * <p>Thread rule: the producer thread only.
 */
final class WriteInjector
{
    private final WriteInlet inlet;
    private final DataBuffer data;
    private final DataBuffer written;
    private final BufferPolicy policy;
    private final Dispatcher dispatcher;
    private final Liveness liveness;
    private final ControlledMessageHandler injector = this::inject;
    private boolean servicing;

    WriteInjector(
        final WriteInlet inlet, final DataBuffer[] buffers, final BufferPolicy policy, final Dispatcher dispatcher,
        final Liveness liveness)
    {
        this.inlet = inlet;
        this.data = buffers[0];
        this.written = buffers[1];
        this.policy = policy;
        this.dispatcher = dispatcher;
        this.liveness = liveness;
    }

    /**
     * Injects the elements writers have handed over, as far as their buffers allow without
     * waiting; releases closed writers; and re-decides which streams have ended. Producer
     * thread only; called between frames and while the producer waits for space.
     */
    void serviceWrites()
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
                data.beltway().publish();
            }
            inlet.releaseClosed();
            liveness.settleIfChanged();
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
        dispatcher.offerWritten(node, position, sequence, frameLength, linkType, originalLength);
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
}
