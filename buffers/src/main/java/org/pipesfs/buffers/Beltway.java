package org.pipesfs.buffers;

/**
 * What the buffers of one mount share: its two {@link DataBuffer}s (the source's and the
 * companion for written elements), the registry of every node's {@link IndexBuffer}, the
 * doorbell a waiting lossless producer sleeps on, the pins that hold records besides index
 * entries, and the batched wake-up of readers ({@link #publish}). A data buffer is one ring;
 * this is the mount.
 *
 * <p>Thread rules: the producer thread publishes, waits for ring room and reads the pins;
 * rings register and leave from any thread (the registry is a copy-on-write array under this
 * object's monitor); readers ring the space doorbell after releasing space.
 */
public final class Beltway
{
    private static final IndexBuffer[] NO_INDEXES = new IndexBuffer[0];
    private static final long WAIT_SLICE_NS = 1_000_000L;

    /**
     * Records that something other than an index entry still points at: elements a filter holds
     * back (early TCP segments). The lossless policy keeps them in place.
     */
    @FunctionalInterface
    public interface Pins
    {
        /** Lowest position in buffer {@code bufferId} still held, or {@code none}. Producer thread. */
        long lowestPinned(int bufferId, long none);
    }

    private static final Pins NO_PINS = (bufferId, none) -> none;

    /**
     * Told where a mount's buffer memory lies, so that the caller can ask the kernel to back it
     * well (with huge pages); this module makes no system calls of its own.
     */
    @FunctionalInterface
    public interface MemoryAdvice
    {
        /** {@code [address, address + length)} is buffer memory, aligned to {@link DataBuffer#MEMORY_ALIGNMENT}. */
        void advise(long address, long length);
    }

    final DataBuffer[] buffers = new DataBuffer[2];
    volatile Pins pins = NO_PINS;
    private final Doorbell spaceBell = new Doorbell();
    volatile IndexBuffer[] indexes = NO_INDEXES;
    private volatile long lastReaderOpenedNs;
    private volatile boolean batchedWakeups;

    /** Adds a ring over one of this mount's buffers: counted by the lossless policy from now on. */
    void add(final IndexBuffer index)
    {
        synchronized (this)
        {
            indexes = CopyOnWrite.with(indexes, index);
        }
    }

    /** Stops producer waits on this mount's buffers; a producer blocked in a claim returns -1. */
    void closeAll()
    {
        for (final DataBuffer each : buffers)
        {
            if (each != null)
            {
                each.markClosed();
            }
        }
        spaceBell.ring();
    }

    /** The lowest position of buffer {@code id} that a pin or a ring still needs, from {@code start}. */
    long lowestNeeded(final int id, final long start)
    {
        long lowest = pins.lowestPinned(id, start);
        for (final IndexBuffer index : indexes)
        {
            lowest = Math.min(lowest, index.lowestNeededDataPosition(id, start));
        }
        return lowest;
    }

    /**
     * Shows {@code advice} the frame and header rings of this mount's buffers (this one and its
     * companion, if made). With every reply pointing into the frame ring, the kernel pins its
     * pages for each read, and walking 4 KiB pages was a seventh of a 4-reader stream.
     */
    public void adviseMemory(final MemoryAdvice advice)
    {
        for (final DataBuffer each : buffers)
        {
            if (each != null)
            {
                each.adviseMemory(advice);
            }
        }
    }

    /** Declares what holds records of this mount's buffers besides index entries. */
    public void pins(final Pins holders)
    {
        pins = holders;
    }

    /**
     * From now on appends do not wake readers one by one: the producer promises to call
     * {@link #publish()} after each batch and before it waits. A wake-up per frame (a volatile
     * store, a read of the sleepers and often a monitor and {@code notifyAll}) was two thirds of
     * the producer's time in a stream it could not keep up with. Call before any ring
     * is made.
     */
    public void batchWakeups()
    {
        batchedWakeups = true;
    }

    boolean batchedWakeups()
    {
        return batchedWakeups;
    }

    /** Producer: wakes the readers of every ring appended to since the last publish. */
    public void publish()
    {
        java.lang.invoke.VarHandle.fullFence();
        for (final IndexBuffer index : indexes)
        {
            index.publish();
        }
    }

    /** Open readers over all index rings of this mount. */
    public int readerCount()
    {
        int readers = 0;
        for (final IndexBuffer index : indexes)
        {
            readers += index.readerCount();
        }
        return readers;
    }

    /**
     * Entries every ring of this mount can take now without waiting: the least room left in
     * any of them (lossless), or {@link Integer#MAX_VALUE}. Producer thread only.
     */
    int ringRoom()
    {
        return ringRoom(1);
    }

    /**
     * The least room left in any ring if every ring has room for a batch (up to {@code batch}
     * entries, at most a quarter of the ring), else 0. Producer thread only.
     */
    private int ringRoom(final int batch)
    {
        long room = Integer.MAX_VALUE;
        for (final IndexBuffer index : indexes)
        {
            final long r = index.room(batch);
            if (r < Math.max(1, Math.min(batch, index.capacity() >> 2)))
            {
                return 0;
            }
            room = Math.min(room, r);
        }
        return (int)room;
    }

    /**
     * Lossless producer: sleeps on the space doorbell until every ring has room for a batch
     * (up to {@code batch} entries, at most a quarter of the ring), running {@code meanwhile}
     * between checks. Waking once per batch rather than per freed entry is what a pipe
     * writer does too; polling with short sleeps instead ran the producer in bursts of one
     * reader's read.
     *
     * @return the least room of any ring, or 0 once this buffer is closed.
     */
    public int awaitRingRoom(final int batch, final Runnable meanwhile)
    {
        while (true)
        {
            meanwhile.run();
            final long ticket = spaceBell.prepare();
            try
            {
                if (buffers[DataBuffer.SOURCE].isClosed())
                {
                    return 0;
                }
                final int room = ringRoom(batch);
                if (room > 0)
                {
                    return room;
                }
                spaceBell.await(ticket, WAIT_SLICE_NS);
            }
            finally
            {
                spaceBell.finish();
            }
        }
    }

    /**
     * True while the producer waits for room in the data buffer or a ring: under the lossless
     * policy, a reader is holding the source back. Any thread; a snapshot.
     */
    public boolean producerWaits()
    {
        return spaceBell.hasSleepers();
    }

    /** {@link System#nanoTime()} when the latest reader opened, 0 if none ever did. */
    public long lastReaderOpenedNs()
    {
        return lastReaderOpenedNs;
    }

    void readerOpened()
    {
        lastReaderOpenedNs = System.nanoTime();
    }

    DataBuffer buffer(final int bufferId)
    {
        return buffers[bufferId & 1];
    }

    void remove(final IndexBuffer index)
    {
        synchronized (this)
        {
            indexes = CopyOnWrite.without(indexes, index);
        }
        spaceBell.ring();
    }

    /** The highest end of a range of this buffer pinned by a reader that overlaps {@code [from, to)} in some lap, or MIN_VALUE. */
    long pinnedEnd(final int id, final long from, final long to, final int capacity)
    {
        long end = Long.MIN_VALUE;
        for (final IndexBuffer index : indexes)
        {
            end = Math.max(end, index.pinnedEnd(id, from, to, capacity));
        }
        return end;
    }

    /** Readers ring this after releasing space, so a waiting lossless producer rechecks. */
    Doorbell spaceBell()
    {
        return spaceBell;
    }
}
