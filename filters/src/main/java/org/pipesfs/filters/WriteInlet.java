package org.pipesfs.filters;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.pipesfs.buffers.Doorbell;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The hand-off from writers of pipe files to the producer thread. The data buffers have one
 * producer, so a {@code write()} to {@code all} or {@code all.pcap} cannot append itself: it
 * copies its element into this many-to-one ring, and the producer injects it into the graph
 * (see {@link NodeGraph#serviceWrites}).
 *
 * <pre>
 * One message (Agrona ring-buffer record; its type id is the writer's slot + 1):
 *   0                   4                   8
 *   +---------------------------------------+
 *   |        timestamp, ns since epoch      |
 *   +-------------------+-------------------+  8
 *   |     link type     |  original length  |
 *   +-------------------+-------------------+ 16
 *   |  element bytes ...                    |
 * </pre>
 *
 * <p>Thread rules: any number of writer threads call {@link #open}, {@link #offer} and
 * {@link #close}; each slot is used by one writer at a time. Only the producer thread calls
 * {@link #drain} and {@link #releaseClosed}. A closed writer's slot, and its count on the node,
 * are given back by the producer only once every message it wrote has been consumed, so a
 * node never ends before the last element its writer wrote.
 */
public final class WriteInlet
{
    public static final int TIMESTAMP_OFFSET = 0;
    public static final int LINK_TYPE_OFFSET = 8;
    public static final int ORIGINAL_LENGTH_OFFSET = 12;
    public static final int HEADER_LENGTH = 16;
    public static final int MAX_WRITERS = 1024;

    private final ManyToOneRingBuffer ring;
    private final AtomicReferenceArray<Node> writers = new AtomicReferenceArray<>(MAX_WRITERS);
    /** Producer position at which each closing slot's last message has been written, or -1. */
    private final long[] closedAt = new long[MAX_WRITERS];
    private final Doorbell bell = new Doorbell();
    private final Runnable onOpened;
    private final Runnable onReleased;
    private volatile int closing;

    /**
     * @param onOpened runs on the opening thread after a writer registers.
     * @param onReleased runs on the producer after a closed writer is released.
     */
    WriteInlet(final int capacity, final Runnable onOpened, final Runnable onReleased)
    {
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.onOpened = onOpened;
        this.onReleased = onReleased;
        java.util.Arrays.fill(closedAt, -1);
    }

    /** Largest element one message can carry. */
    public int maxElementLength()
    {
        return ring.maxMsgLength() - HEADER_LENGTH;
    }

    /**
     * Registers a writer of {@code node}.
     *
     * @return the writer's slot, or -1 if {@link #MAX_WRITERS} writers are open.
     */
    public int open(final Node node)
    {
        for (int slot = 0; slot < MAX_WRITERS; slot++)
        {
            if (writers.get(slot) == null && writers.compareAndSet(slot, null, node))
            {
                node.writerOpened();
                onOpened.run();
                return slot;
            }
        }
        return -1;
    }

    /**
     * Hands one element to the producer without waiting.
     *
     * @return false if the ring is full; the caller waits and retries (pipe back-pressure).
     */
    public boolean offer(
        final int slot,
        final DirectBuffer src,
        final int offset,
        final int length,
        final int linkType,
        final int originalLength,
        final long timestampNs)
    {
        final int index = ring.tryClaim(slot + 1, HEADER_LENGTH + length);
        if (index < 0)
        {
            return false;
        }
        final UnsafeBuffer buffer = (UnsafeBuffer)ring.buffer();
        buffer.putLong(index + TIMESTAMP_OFFSET, timestampNs);
        buffer.putInt(index + LINK_TYPE_OFFSET, linkType);
        buffer.putInt(index + ORIGINAL_LENGTH_OFFSET, Math.max(originalLength, length));
        buffer.putBytes(index + HEADER_LENGTH, src, offset, length);
        ring.commit(index);
        bell.ring();
        return true;
    }

    /** The writer in {@code slot} has closed; the producer releases it once its messages are in. */
    public void close(final int slot)
    {
        synchronized (closedAt)
        {
            closedAt[slot] = ring.producerPosition();
            closing++;
        }
        bell.ring();
    }

    /** Rung after each offer and close: a producer with nothing else to do waits on it. */
    public Doorbell bell()
    {
        return bell;
    }

    public boolean isEmpty()
    {
        return ring.size() == 0 && closing == 0;
    }

    // ---- producer thread --------------------------------------------------------------------

    /** The node the writer in {@code slot} writes to. */
    Node node(final int slot)
    {
        return writers.get(slot);
    }

    int drain(final ControlledMessageHandler handler)
    {
        return ring.controlledRead(handler);
    }

    /** Gives back the slots of closed writers whose messages have all been consumed. */
    void releaseClosed()
    {
        if (closing == 0)
        {
            return;
        }
        final long consumed = ring.consumerPosition();
        synchronized (closedAt)
        {
            for (int slot = 0; slot < MAX_WRITERS; slot++)
            {
                if (closedAt[slot] >= 0 && closedAt[slot] <= consumed)
                {
                    closedAt[slot] = -1;
                    closing--;
                    writers.getAndSet(slot, null).writerClosed();
                    onReleased.run();
                }
            }
        }
    }
}
