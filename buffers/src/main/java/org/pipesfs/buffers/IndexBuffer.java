package org.pipesfs.buffers;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * IBuf: one node's ring of fixed-size index entries, each pointing at a record in the shared
 * {@link DataBuffer}. A node narrows its view of a frame (say, from the IP header to the
 * payload) by writing a new entry with another view offset and length, never by copying bytes.
 *
 * <pre>
 * One entry, 32 bytes:
 *   0                   4                   8
 *   +---------------------------------------+
 *   |         data (DBuf) position          |
 *   +---------------------------------------+  8
 *   |         data (DBuf) sequence          |
 *   +-------------------+-------------------+ 16
 *   |    view offset    |    view length    |
 *   +-------------------+-------------------+ 24
 *   |     frame tag     |  data buffer id   |
 *   +-------------------+-------------------+ 32
 *
 * The ring:
 *   +-------------------------------+------------------+------------------+
 *   | entries (capacity, 2^n)       | tail intent, pad | tail, pad        |
 *   +-------------------------------+------------------+------------------+
 * </pre>
 *
 * The frame tag ({@link ElementFrame}) says which frame the view lies in: the record's, or
 * one a node found inside a tunnel. Entry indexes are monotonically increasing longs. The data buffer id says which of the
 * mount's two {@link DataBuffer}s (source or written) the entry points into. Entries of one
 * buffer are appended in the order of the data positions they point at, because one producer
 * thread writes both buffers and every IBuf; that order is what lets the lossless policy track
 * a reader by its next entry of each buffer alone.
 *
 * <p>Thread rules: a single writer, the producer thread of the {@link DataBuffer}, calls
 * {@link #append} and {@link #end}. Any
 * number of {@link IndexReader}s on any threads read; they open and close at any time. When
 * the mount batches wake-ups ({@link Beltway#batchWakeups}), an entry is visible to readers
 * as soon as it is appended, but sleeping readers wake only at the producer's next
 * {@link Beltway#publish}. A ring appends what it is given: whether an element reaching a node
 * by two paths ({@code ln -s}) is kept once is the graph's decision, made in one place.
 */
public final class IndexBuffer implements AutoCloseable
{
    public static final int DATA_POSITION_OFFSET = 0;
    public static final int DATA_SEQUENCE_OFFSET = 8;
    public static final int VIEW_OFFSET_OFFSET = 16;
    public static final int VIEW_LENGTH_OFFSET = 20;
    public static final int FRAME_TAG_OFFSET = 24;
    public static final int DATA_BUFFER_OFFSET = 28;
    public static final int ENTRY_LENGTH = 32;
    public static final int MIN_ENTRIES = 64;

    private static final int PADDED_COUNTER = 128;
    private static final long WAIT_SLICE_NS = 1_000_000L;
    private static final IndexReader[] NO_READERS = new IndexReader[0];

    private final DataBuffer data;
    /** Appends leave waking readers to {@link #publish} (see {@link Beltway#batchWakeups}). */
    private final boolean batchedWakeups;
    private boolean unpublished;
    /** Allocated when the first reader opens (or the first entry is appended): most rings never are. */
    // Plain fields: set under this object's lock; a producer that reads a stale null takes the lock once.
    private ByteBuffer memory;
    private UnsafeBuffer entries;
    /** Entries may point at data positions out of order (reassembled streams): scan them all. */
    private volatile boolean unordered;
    private final int capacity;
    private final int mask;
    private final int tailIntentOffset;
    private final int tailOffset;
    private final BufferPolicy policy;
    private final Doorbell dataBell = new Doorbell();

    private volatile IndexReader[] readers = NO_READERS;
    private volatile boolean ended;
    /** Runs of the stream: {@link #restart} starts the next one. */
    private volatile long run;
    /** Readers opened while the stream is ended wait for the next run instead of reading end-of-file. */
    private volatile boolean newReadersWait;
    private volatile boolean closed;
    private boolean freed; // guarded by this

    // written by the producer only; read racily by stats after a volatile read of the tail
    private long tail;
    private long limit;
    private long bytesOut;
    // written under this object's lock when readers close
    private long droppedByClosedReaders;

    IndexBuffer(final DataBuffer data, final int entryCount, final BufferPolicy policy)
    {
        this.data = data;
        this.batchedWakeups = data.beltway().batchedWakeups();
        this.policy = policy;
        this.capacity = BitUtil.findNextPositivePowerOfTwo(Math.max(entryCount, MIN_ENTRIES));
        this.mask = capacity - 1;
        this.tailIntentOffset = capacity * ENTRY_LENGTH;
        this.tailOffset = tailIntentOffset + PADDED_COUNTER;
        this.limit = policy == BufferPolicy.LOSSY ? Long.MAX_VALUE : capacity;
    }

    /** Bytes of memory the ring takes once allocated: its entries and its counters. */
    public long memoryBytes()
    {
        return tailOffset + PADDED_COUNTER;
    }

    /** The source data buffer this ring was made over. */
    public DataBuffer data()
    {
        return data;
    }

    /** The data buffer an entry with this buffer id points into. */
    DataBuffer data(final int bufferId)
    {
        return data.beltway().buffer(bufferId);
    }

    public int capacity()
    {
        return capacity;
    }

    public BufferPolicy policy()
    {
        return policy;
    }

    /**
     * Appends one entry: a whole record, or a piece of one (a reassembled stream delivers one
     * segment's bytes in several pieces). Under the lossless policy it waits for the slowest
     * reader of this ring.
     *
     * @return false if the ring was closed or its data buffer closed while waiting.
     */
    public boolean append(
        final long dataPosition, final long dataSequence, final int viewOffset, final int viewLength, final int frameTag)
    {
        return append(DataBuffer.SOURCE, dataPosition, dataSequence, viewOffset, viewLength, frameTag);
    }

    /** {@link #append} of an entry pointing into the data buffer {@code bufferId}. */
    public boolean append(
        final int bufferId,
        final long dataPosition,
        final long dataSequence,
        final int viewOffset,
        final int viewLength,
        final int frameTag)
    {
        if (closed)
        {
            return false;
        }
        final long index = tail;
        if (index >= limit && !awaitSpace(index))
        {
            return false;
        }
        UnsafeBuffer entries = this.entries;
        if (entries == null)
        {
            entries = allocate();
            if (entries == null)
            {
                return false;
            }
        }
        final int offset = (int)(index & mask) * ENTRY_LENGTH;
        if (policy == BufferPolicy.LOSSY)
        {
            entries.putLongOrdered(tailIntentOffset, index + 1);
            VarHandle.storeStoreFence();
        }
        entries.putLong(offset + DATA_POSITION_OFFSET, dataPosition);
        entries.putLong(offset + DATA_SEQUENCE_OFFSET, dataSequence);
        entries.putInt(offset + VIEW_OFFSET_OFFSET, viewOffset);
        entries.putInt(offset + VIEW_LENGTH_OFFSET, viewLength);
        entries.putInt(offset + FRAME_TAG_OFFSET, frameTag);
        entries.putInt(offset + DATA_BUFFER_OFFSET, bufferId);
        bytesOut += viewLength;
        tail = index + 1;
        if (batchedWakeups)
        {
            entries.putLongOrdered(tailOffset, index + 1);
            unpublished = true;
        }
        else
        {
            entries.putLongVolatile(tailOffset, index + 1);
            dataBell.ring();
        }
        return true;
    }

    /**
     * Declares that entries may be appended out of data-position order (a reassembled stream
     * releases held segments late). The lossless policy then scans every unread entry.
     */
    public void markUnordered()
    {
        unordered = true;
    }

    /** The ring's memory, allocated now if it was not yet; null once freed. */
    private synchronized UnsafeBuffer allocate()
    {
        if (entries == null && !freed)
        {
            memory = ByteBuffer.allocateDirect(tailOffset + PADDED_COUNTER);
            entries = new UnsafeBuffer(memory);
        }
        return entries;
    }

    /** Marks end of stream: readers that have drained the ring then read end-of-file. */
    public void end()
    {
        newReadersWait = false;
        ended = true;
        dataBell.ring();
    }

    /**
     * Ends this run of the stream the way a FIFO ends when its last writer closes: readers open
     * now read end-of-file once drained, while readers that open later wait for the next run.
     */
    public void endRun()
    {
        newReadersWait = true;
        ended = true;
        dataBell.ring();
    }

    /** Undoes {@link #end}: a new run of the stream (a user node's next writer). */
    public void restart()
    {
        if (!closed && ended)
        {
            run++;
            newReadersWait = false;
            ended = false;
            dataBell.ring();
        }
    }

    /** True if the stream has ended for a reader opened in run {@code readerRun}. */
    boolean isEndedFor(final long readerRun)
    {
        return ended && (readerRun <= run || !newReadersWait);
    }

    /** The run a reader opening now belongs to. */
    private long runForNewReader()
    {
        return ended && newReadersWait && !closed ? run + 1 : run;
    }

    /** Ends the stream for good, and stops counting this ring's readers in the lossless policy. */
    public void close()
    {
        closed = true;
        end();
        data.beltway().remove(this);
    }

    public boolean isEnded()
    {
        return ended;
    }

    /**
     * Frees the ring's memory now if it is closed and no reader holds it; call it only on the
     * producer thread, between appends, so nothing can touch the memory afterwards. A reader
     * opened later is born closed.
     *
     * @return whether the memory is freed (now or before).
     */
    public boolean freeIfUnused()
    {
        synchronized (this)
        {
            if (freed)
            {
                return true;
            }
            if (!closed || readers.length > 0)
            {
                return false;
            }
            freed = true;
        }
        if (memory != null)
        {
            org.agrona.BufferUtil.free(memory);
        }
        return true;
    }

    /** Opens a reader positioned at the live tail: it sees every entry appended after this. */
    public IndexReader newReader()
    {
        synchronized (this)
        {
            if (freed)
            {
                return IndexReader.closedReader(this);
            }
            allocate();
            final IndexReader reader = new IndexReader(this, tailVolatile(), runForNewReader());
            readers = CopyOnWrite.with(readers, reader);
            data.beltway().readerOpened();
            return reader;
        }
    }

    void removeReader(final IndexReader reader)
    {
        synchronized (this)
        {
            final IndexReader[] old = readers;
            readers = CopyOnWrite.without(old, reader);
            if (readers != old)
            {
                droppedByClosedReaders += reader.dropped();
            }
        }
        data.beltway().spaceBell().ring();
    }

    // ---- counters for .stats -----------------------------------------------------------

    /** Entries appended so far (elements out of this node). */
    public long elementsOut()
    {
        return tailVolatile();
    }

    public long bytesOut()
    {
        tailVolatile();
        return bytesOut;
    }

    public int readerCount()
    {
        return readers.length;
    }

    /** Elements lost to lapping, summed over open and closed readers. */
    public long dropped()
    {
        long total;
        synchronized (this)
        {
            total = droppedByClosedReaders;
        }
        for (final IndexReader reader : readers)
        {
            total += reader.dropped();
        }
        return total;
    }

    // ---- used by IndexReader -----------------------------------------------------------

    long tailVolatile()
    {
        final UnsafeBuffer e = entries;
        return e == null ? 0 : e.getLongVolatile(tailOffset);
    }

    /** Lowest entry index a lossy reader may still trust; everything below may be torn. */
    long oldestIntact()
    {
        if (policy == BufferPolicy.LOSSLESS)
        {
            return Long.MIN_VALUE;
        }
        VarHandle.loadLoadFence();
        final UnsafeBuffer e = entries;
        return e == null ? Long.MIN_VALUE : e.getLongVolatile(tailIntentOffset) - capacity;
    }

    UnsafeBuffer entries()
    {
        return entries;
    }

    int entryOffset(final long index)
    {
        return (int)(index & mask) * ENTRY_LENGTH;
    }

    Doorbell dataBell()
    {
        return dataBell;
    }

    /**
     * Lowest position in data buffer {@code bufferId} an open reader of this ring still needs,
     * or {@code none} if no reader holds an unread entry of that buffer: the first such entry
     * at or after each reader's cursor. Producer thread only.
     */
    long lowestNeededDataPosition(final int bufferId, final long none)
    {
        long lowest = none;
        final long oldest = tail - capacity;
        final UnsafeBuffer entries = this.entries;
        final boolean scanAll = unordered;
        for (final IndexReader reader : readers)
        {
            for (long cursor = Math.max(reader.cursor(), oldest); cursor < tail; cursor++)
            {
                final int entry = entryOffset(cursor);
                if (entries.getInt(entry + DATA_BUFFER_OFFSET) == bufferId)
                {
                    lowest = Math.min(lowest, entries.getLong(entry + DATA_POSITION_OFFSET));
                    if (!scanAll)
                    {
                        break;
                    }
                }
            }
        }
        return lowest;
    }

    /**
     * The highest end of a range of data buffer {@code bufferId} that a reader of this ring has
     * pinned and that overlaps {@code [from, to)} in some lap of {@code capacity}, or
     * {@link Long#MIN_VALUE}. Producer thread.
     */
    long pinnedEnd(final int bufferId, final long from, final long to, final int capacity)
    {
        long end = Long.MIN_VALUE;
        for (final IndexReader reader : readers)
        {
            end = Math.max(end, reader.pinnedEnd(bufferId, from, to, capacity));
        }
        return end;
    }

    /**
     * At least how many entries {@link #append} can take now without waiting
     * ({@link Integer#MAX_VALUE} if it never waits); the readers are rechecked only once the
     * cached room runs out. Producer thread only.
     */
    public long room()
    {
        return room(1);
    }

    /**
     * Like {@link #room()}, but rechecks the readers whenever less than {@code wanted} entries
     * are cached (wanted is capped at a quarter of the ring, so it can always be met).
     */
    public long room(final long wanted)
    {
        if (policy == BufferPolicy.LOSSY || closed)
        {
            return Integer.MAX_VALUE;
        }
        if (limit - tail < Math.max(1, Math.min(wanted, capacity >> 2)))
        {
            long lowest = tail;
            for (final IndexReader reader : readers)
            {
                lowest = Math.min(lowest, reader.cursor());
            }
            limit = lowest + capacity;
        }
        return limit - tail;
    }

    /** Wakes this ring's readers if entries were appended since the last call. Producer thread. */
    void publish()
    {
        if (unpublished)
        {
            unpublished = false;
            dataBell.ring();
        }
    }

    private boolean awaitSpace(final long index)
    {
        data.beltway().publish();
        final Doorbell bell = data.beltway().spaceBell();
        while (true)
        {
            final long ticket = bell.prepare();
            try
            {
                long lowest = index;
                for (final IndexReader reader : readers)
                {
                    lowest = Math.min(lowest, reader.cursor());
                }
                limit = lowest + capacity;
                if (index < limit)
                {
                    return true;
                }
                if (closed || data.isClosed())
                {
                    return false;
                }
                bell.await(ticket, WAIT_SLICE_NS);
            }
            finally
            {
                bell.finish();
            }
        }
    }
}
