package org.pipesfs.buffers;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;


/**
 * DBuf: the one shared ring of packet records. Every frame is written here exactly once; nodes
 * refer to it through {@link IndexBuffer} entries, and the only other copy happens when a
 * reader renders an element into its caller's buffer.
 *
 * <pre>
 * The frame ring: frame bytes only, back to back, so that consecutive whole frames are one
 * contiguous run a reader can hand to the kernel as it lies ({@link IndexReader#gather}).
 * A record takes max(captured length, MIN_RECORD_SPACE) bytes and never crosses the end:
 *   +------------------------------+-----------------+-------------------+
 *   | frames (capacity, 2^n)       | slack (max rec) | trailer: intent   |
 *   +------------------------------+-----------------+-------------------+
 *
 * The header ring, out of line: one {@link RecordDescriptor} slot per MIN_RECORD_SPACE bytes of
 * frame ring (the layout and why it is safe are drawn there).
 * </pre>
 *
 * Positions are monotonically increasing longs; a position's slot is {@code position & mask}.
 * When a record does not fit before the end, the producer skips to the next lap. The slack is
 * never written: it keeps a lossy reader's copy in bounds even when it reads a torn header.
 *
 * <p>A mount has two data buffers sharing one set of index rings (one {@link Beltway}): the
 * source's, and a {@link #companion} for elements written into pipe files. An index entry names
 * the buffer it points into. Each buffer's lossless accounting counts only its own records, so a
 * writer waits only for the readers of what was written, never for a slow reader of the source
 * (which could itself be waiting on that writer, as in {@code cat a/all | grep > b/all}).
 *
 * <p>Thread rules: exactly one producer thread calls {@link #claim}, {@link #commit},
 * {@link #append} and {@link #newIndexBuffer}'s appends. Any number of reader threads copy
 * records through {@link IndexReader}. Under {@link BufferPolicy#LOSSLESS} the producer waits
 * until no open reader still needs the space; under {@link BufferPolicy#LOSSY} it raises the
 * tail intent before writing, and readers validate against it after copying (as Agrona's
 * BroadcastReceiver does). The intent moves a step ahead at a time ({@link #INTENT_STEP_SHIFT}),
 * and at each step the producer steps over any range a lossy reader has pinned while the
 * kernel copies it ({@link IndexReader#gather}), so it never waits and never tears a pinned
 * record.
 */
public final class DataBuffer implements AutoCloseable
{
    /** Frame-ring bytes a record takes at least ({@link RecordDescriptor#MIN_RECORD_SPACE}). */
    public static final int MIN_RECORD_SPACE = RecordDescriptor.MIN_RECORD_SPACE;
    /** Largest frame accepted: a 64 KiB GRO/GSO super-frame. */
    public static final int MAX_FRAME_LENGTH = 65_536 + 256;
    public static final int MIN_CAPACITY = 1 << 20;

    /**
     * Lossy: the tail intent runs ahead of the producer by capacity / 2^this (1 MiB of a 64 MiB
     * ring), so the producer publishes it and checks pins once a step, not once a frame; a
     * reader's data counts as overwritten that much sooner.
     */
    static final int INTENT_STEP_SHIFT = 6;
    /**
     * A lossy reader pins at most capacity / 2^this of positions (4 MiB of 64) per gathered
     * read: that is the most the producer steps over for it. Elements further apart are copied.
     */
    static final int PIN_SPAN_SHIFT = 4;
    private static final int TRAILER_LENGTH = 128;
    private static final long WAIT_SLICE_NS = 1_000_000L;
    /** Ids of the two buffers of a mount, as index entries name them. */
    public static final int SOURCE = 0;
    public static final int WRITTEN = 1;
    /** The companion's sequences start here, so they never equal a source sequence. */
    private static final long COMPANION_SEQUENCE_BASE = 1L << 62;




    /** Buffer memory starts on a 2 MiB boundary, so that it can be backed by huge pages. */
    public static final int MEMORY_ALIGNMENT = 2 << 20;


    private final int id;
    private final Beltway beltway;
    private final UnsafeBuffer buffer;
    private final UnsafeBuffer headers;
    private final int capacity;
    private final int mask;
    /** Frame-ring bytes in use: records start a new lap here. Set by any thread, read by the producer. */
    private volatile int window;
    private final int tailIntentOffset;
    private final int intentStep;
    private final BufferPolicy policy;
    private final Doorbell spaceBell;

    private volatile boolean closed;
    private Runnable whileWaiting;

    // producer-owned
    private long tail;
    private long limit;
    /** Lossy: the tail intent published; records may be written up to it without another. */
    private long intentLimit;
    private long steppedOver;
    private long nextSequence;
    private long claimedPosition = -1;
    private int claimedLength;

    /**
     * @param capacity bytes of record space; rounded up to a power of two, at least 1 MiB.
     */
    public DataBuffer(final int capacity, final BufferPolicy policy)
    {
        this(capacity, policy, SOURCE, new Beltway());
    }

    private DataBuffer(final int capacity, final BufferPolicy policy, final int id, final Beltway beltway)
    {
        this.id = id;
        this.beltway = beltway;
        this.spaceBell = beltway.spaceBell();
        this.nextSequence = id == SOURCE ? 0 : COMPANION_SEQUENCE_BASE;
        beltway.buffers[id] = this;
        this.capacity = BitUtil.findNextPositivePowerOfTwo(Math.max(capacity, MIN_CAPACITY));
        this.mask = this.capacity - 1;
        this.window = this.capacity;
        this.policy = policy;
        this.tailIntentOffset = this.capacity + MAX_FRAME_LENGTH + MIN_RECORD_SPACE;
        this.intentStep = this.capacity >> INTENT_STEP_SHIFT;
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(tailIntentOffset + TRAILER_LENGTH, MEMORY_ALIGNMENT));
        this.headers = new UnsafeBuffer(BufferUtil.allocateDirectAligned(RecordDescriptor.headerRingLength(this.capacity), MEMORY_ALIGNMENT));
        this.limit = policy == BufferPolicy.LOSSY ? Long.MAX_VALUE : this.capacity;
    }

    /**
     * The second buffer of this mount, for written elements: same policy, same index rings.
     * Create it before any ring refers to it.
     */
    public DataBuffer companion(final int companionCapacity)
    {
        synchronized (beltway)
        {
            if (id != SOURCE || beltway.buffers[WRITTEN] != null)
            {
                throw new IllegalStateException("a mount has one companion buffer");
            }
            return new DataBuffer(companionCapacity, policy, WRITTEN, beltway);
        }
    }


    /** {@link #SOURCE} or {@link #WRITTEN}: what index entries pointing here record. */
    public int id()
    {
        return id;
    }

    /**
     * Runs {@code action} on the producer thread while {@link #claim} waits for space, so the
     * producer can do other work that does not need this buffer (inject written elements).
     */
    public void whileWaiting(final Runnable action)
    {
        whileWaiting = action;
    }


    /**
     * Lossless: from now on records cycle through the first {@code bytes} of the frame ring only
     * (clamped to 1 MiB..capacity), starting a new lap there as they do at the end of the ring.
     * A ring that small stays in the CPU cache between the producer's write and the readers'
     * copies: four readers of 1500-byte frames went from 5.85 to 6.6 GB/s with 16 MiB of a
     * 64 MiB ring. Lapping readers reach the same records either way; what shrinks is
     * how far the producer may run ahead and how long something other than a reader (a held
     * TCP segment) may pin a record, so callers widen it back to {@link #capacity()} for that.
     * Lossy buffers ignore it: there the ring is how far a reader may fall behind.
     */
    public void cycleWithin(final int bytes)
    {
        if (policy == BufferPolicy.LOSSLESS)
        {
            window = Math.min(capacity, Math.max(bytes, MIN_CAPACITY));
        }
    }

    /** Position the next record will start at, or later. Producer thread. */
    public long tail()
    {
        return tail;
    }

    public int capacity()
    {
        return capacity;
    }

    public BufferPolicy policy()
    {
        return policy;
    }

    /** The raw memory; producers write frames at {@link #frameOffset(long)} after a claim. */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** Offset in {@link #buffer()} of the first frame byte of the record at {@code position}. */
    public int frameOffset(final long position)
    {
        return (int)(position & mask);
    }

    /** Offset in {@link #headers} of the header of the record at {@code position}. */
    private int headerOffset(final long position)
    {
        return RecordDescriptor.headerOffset(position, mask);
    }

    /** A new node ring over this buffer, counted by the lossless policy from now on. */
    public IndexBuffer newIndexBuffer(final int entries, final BufferPolicy indexPolicy)
    {
        final IndexBuffer index = new IndexBuffer(this, entries, indexPolicy);
        beltway.add(index);
        return index;
    }












    /**
     * Reserves room for a frame of up to {@code maxFrameLength} bytes, waiting for readers under
     * the lossless policy. The caller writes the frame at {@link #frameOffset(long)} and then
     * calls {@link #commit}.
     *
     * @return the record's position, or -1 if the buffer was closed while waiting.
     */
    public long claim(final int maxFrameLength)
    {
        if (maxFrameLength < 0 || maxFrameLength > MAX_FRAME_LENGTH)
        {
            throw new IllegalArgumentException("frame length " + maxFrameLength + " outside 0.." + MAX_FRAME_LENGTH);
        }
        long position = placement(maxFrameLength);
        final long end = position + space(maxFrameLength);
        if (policy == BufferPolicy.LOSSY)
        {
            if (end > intentLimit)
            {
                position = raiseIntent(position, maxFrameLength);
            }
        }
        else if (end > limit && !awaitSpace(position, end))
        {
            return -1;
        }
        claimedPosition = position;
        claimedLength = maxFrameLength;
        return position;
    }

    /**
     * Lossy: publishes a tail intent a step past the record about to be placed at
     * {@code position}, then looks for pinned ranges among the old lap's bytes up to it. If a
     * reader pinned some (its check of the intent came before this store, which the volatile
     * store and its volatile pin order, as in Dekker's algorithm), the record moves past the
     * pinned range instead, and the intent with it.
     *
     * @return where the record goes: {@code position}, or later.
     */
    private long raiseIntent(final long position, final int maxFrameLength)
    {
        long placed = position;
        while (true)
        {
            final long intent = placed + space(maxFrameLength) + intentStep;
            buffer.putLongVolatile(tailIntentOffset, intent);
            intentLimit = intent;
            final long pinnedEnd = beltway.pinnedEnd(id, placed - capacity, intent - capacity, capacity);
            if (pinnedEnd == Long.MIN_VALUE)
            {
                return placed;
            }
            steppedOver++;
            tail = pinnedEnd + capacity;
            placed = placement(maxFrameLength);
        }
    }


    /** Times a lossy producer moved a record past a pinned range. Producer thread. */
    public long steppedOver()
    {
        return steppedOver;
    }

    /** Positions a lossy reader may pin for one gathered read at most. */
    int maxPinSpan()
    {
        return capacity >> PIN_SPAN_SHIFT;
    }

    /**
     * True if {@link #claim} of {@code maxFrameLength} bytes would not wait now. Producer thread
     * only.
     */
    public boolean hasRoom(final int maxFrameLength)
    {
        final long position = placement(maxFrameLength);
        final long end = position + space(maxFrameLength);
        if (end > limit)
        {
            limit = lowestNeededPosition(position) + capacity;
        }
        return end <= limit;
    }

    /** Where a record of up to this many bytes would start: the tail, or the next lap. */
    private long placement(final int maxFrameLength)
    {
        final int needed = space(maxFrameLength);
        final int offset = (int)(tail & mask);
        return offset + needed > window ? tail + capacity - offset : tail;
    }

    /**
     * Publishes the claimed record's header. The record becomes visible to readers once an
     * index entry that points to it is appended.
     *
     * @return the record's sequence number.
     */
    public long commit(
        final long position, final int capturedLength, final int originalLength, final long timestampNs, final int linkType)
    {
        if (position != claimedPosition || capturedLength < 0 || capturedLength > claimedLength)
        {
            throw new IllegalStateException("commit of " + capturedLength + " B at " + position + " does not match claim");
        }
        final int offset = headerOffset(position);
        final long sequence = nextSequence++;
        headers.putInt(offset + RecordDescriptor.CAPTURED_LENGTH_OFFSET, capturedLength);
        headers.putInt(offset + RecordDescriptor.ORIGINAL_LENGTH_OFFSET, Math.max(originalLength, capturedLength));
        headers.putLong(offset + RecordDescriptor.SEQUENCE_OFFSET, sequence);
        headers.putLong(offset + RecordDescriptor.TIMESTAMP_OFFSET, timestampNs);
        headers.putInt(offset + RecordDescriptor.LINK_TYPE_OFFSET, linkType);
        tail = position + space(capturedLength);
        claimedPosition = -1;
        return sequence;
    }

    /**
     * Copies one frame in: {@link #claim}, copy, {@link #commit}.
     *
     * @return the record's position, or -1 if the buffer was closed while waiting.
     */
    public long append(
        final DirectBuffer src,
        final int srcOffset,
        final int length,
        final int originalLength,
        final long timestampNs,
        final int linkType)
    {
        final long position = claim(length);
        if (position >= 0)
        {
            buffer.putBytes(frameOffset(position), src, srcOffset, length);
            commit(position, length, originalLength, timestampNs, linkType);
        }
        return position;
    }

    /** Sequence number the next committed record will get; also the count of records so far. */
    public long nextSequence()
    {
        return nextSequence;
    }

    // ---- reader side ------------------------------------------------------------------

    public long sequence(final long position)
    {
        return headers.getLong(headerOffset(position) + RecordDescriptor.SEQUENCE_OFFSET);
    }

    /** Captured length, clamped so that even a torn header keeps copies in bounds. */
    public int capturedLength(final long position)
    {
        final int length = headers.getInt(headerOffset(position) + RecordDescriptor.CAPTURED_LENGTH_OFFSET);
        return length < 0 ? 0 : Math.min(length, MAX_FRAME_LENGTH);
    }

    public int originalLength(final long position)
    {
        return headers.getInt(headerOffset(position) + RecordDescriptor.ORIGINAL_LENGTH_OFFSET);
    }

    public long timestampNs(final long position)
    {
        return headers.getLong(headerOffset(position) + RecordDescriptor.TIMESTAMP_OFFSET);
    }

    public int linkType(final long position)
    {
        return headers.getInt(headerOffset(position) + RecordDescriptor.LINK_TYPE_OFFSET);
    }

    /** Copies frame bytes {@code [from, from + length)} of a record; bounds are the caller's. */
    public void copyFrame(
        final long position, final int from, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        dst.putBytes(dstOffset, buffer, (int)(position & mask) + from, length);
    }

    /**
     * True while the record at {@code position} has not been touched by a later lap. Call it
     * after copying: it orders the copy's loads before the check.
     */
    public boolean isIntact(final long position)
    {
        if (policy == BufferPolicy.LOSSLESS)
        {
            return true;
        }
        java.lang.invoke.VarHandle.loadLoadFence();
        return buffer.getLongVolatile(tailIntentOffset) - capacity <= position;
    }


    /** Stops producer waits on this mount's buffers: closes the whole {@link Beltway}. */
    public void close()
    {
        beltway.closeAll();
    }

    void markClosed()
    {
        closed = true;
    }

    /** The mount this buffer belongs to. */
    public Beltway beltway()
    {
        return beltway;
    }

    /** Shows {@code advice} this buffer's frame and header rings. */
    void adviseMemory(final Beltway.MemoryAdvice advice)
    {
        advice.advise(buffer.addressOffset(), capacity);
        advice.advise(headers.addressOffset(), headers.capacity());
    }

    public boolean isClosed()
    {
        return closed;
    }

    private boolean awaitSpace(final long start, final long end)
    {
        while (true)
        {
            final Runnable action = whileWaiting;
            if (action != null)
            {
                action.run();
            }
            final long ticket = spaceBell.prepare();
            try
            {
                final long needed = lowestNeededPosition(start);
                limit = needed + capacity;
                if (end <= limit)
                {
                    return true;
                }
                if (closed)
                {
                    return false;
                }
                spaceBell.await(ticket, WAIT_SLICE_NS);
            }
            finally
            {
                spaceBell.finish();
            }
        }
    }

    private long lowestNeededPosition(final long start)
    {
        return beltway.lowestNeeded(id, start);
    }

    /** Frame-ring bytes a record of this many frame bytes takes. */
    private static int space(final int frameLength)
    {
        return Math.max(frameLength, MIN_RECORD_SPACE);
    }
}
