package org.pipesfs.buffers;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.BooleanSupplier;

/**
 * One independent cursor on an {@link IndexBuffer}: an open pipe file. It renders whole
 * elements into the caller's buffer, which is the only copy of the bytes after the producer's.
 * An element larger than the caller's buffer is split across consecutive reads.
 *
 * <p>Under the lossy policy a reader may be lapped. It checks after each copy, as Agrona's
 * BroadcastReceiver does, and never hands out torn bytes: a lapped reader skips to the live
 * tail and adds exactly the number of elements it skipped to {@link #dropped()}. (The one
 * exception is an element already split across reads: its first part has been handed out
 * before the rest was overwritten; the element still counts as dropped.)
 *
 * <p>{@link #gather} hands out elements where they lie instead. Under the lossless policy the
 * producer leaves them alone until the cursor moves; under the lossy policy the reader pins
 * their range of positions and checks that it is still intact, and the producer steps over a
 * pinned range rather than waiting ({@link DataBuffer}), until {@link #advanceGathered()} or
 * {@link #abandonGathered()}.
 *
 * <p>Thread rules: one thread at a time uses a reader (FUSE serialises reads on one open file
 * by holding the handle); {@link #dropped()} and {@link #cursor()} may be read from any
 * thread, and the pin by the producer. {@link #close()} releases everything the reader held: a
 * lossless producer stops waiting for it at once. Do not close a reader between a gather and
 * its advance: what the gather points at may then be overwritten.
 */
public final class IndexReader implements AutoCloseable
{
    /** {@link #gather} returns this when the elements must be copied instead ({@link #read}). */
    public static final int NOT_GATHERED = -1;
    private static final long UNPINNED = Long.MAX_VALUE;

    private final IndexBuffer index;
    private final UnsafeBuffer entries;
    private final long run;
    private final BooleanSupplier readable = this::isReadable;

    private volatile long cursor;
    private volatile long dropped;
    private volatile boolean closed;
    private int partial;
    private long gatheredCursor = -1;
    private int gatheredPartial;
    /** Lossy gather: positions [pinnedFrom, pinnedTo) of buffer pinnedBuffer stay as they are. */
    private volatile long pinnedFrom = UNPINNED;
    private volatile long pinnedTo;
    private volatile int pinnedBuffer;

    IndexReader(final IndexBuffer index, final long cursor, final long run)
    {
        this.index = index;
        this.run = run;
        this.entries = index.entries();
        this.cursor = cursor;
    }

    /**
     * Renders as many whole elements as fit into {@code dst[offset, offset + length)}, or part
     * of one element if even one does not fit. Never blocks.
     *
     * @return bytes written; 0 if nothing is available (see {@link #isEnded()}).
     */
    public int read(final MutableDirectBuffer dst, final int offset, final int length, final ElementFormat format)
    {
        return copy(dst, offset, length, format, true);
    }

    /** Like {@link #read} but leaves the cursor where it was. */
    public int peek(final MutableDirectBuffer dst, final int offset, final int length, final ElementFormat format)
    {
        return copy(dst, offset, length, format, false);
    }

    /**
     * Like {@link #read} of the raw view, but copies nothing it need not: appends the next
     * elements to {@code list} as runs that point into the data buffer where they lie. The
     * cursor stays put until {@link #advanceGathered()}, and the producer leaves those bytes
     * alone while the kernel copies them: under the lossless policy because it waits for the
     * cursor, under the lossy policy because they are pinned. A lossy gather gives up, with
     * {@link #NOT_GATHERED}, when the elements were already being overwritten, come from both
     * data buffers, or lie further apart than the producer would step over; {@link #read}
     * then copies them, counting what was lost.
     *
     * @return bytes appended; 0 if nothing is available (see {@link #isEnded()}); or
     *         {@link #NOT_GATHERED}.
     */
    public int gather(final GatherList list, final int length)
    {
        if (closed)
        {
            return 0;
        }
        final boolean lossy = !isLossless();
        int bufferId = -1;
        long lowest = Long.MAX_VALUE;
        long highest = Long.MIN_VALUE;
        long next = cursor;
        int part = partial;
        int written = 0;
        UnsafeBuffer runBuffer = null;
        int runOffset = 0;
        int runLength = 0;
        final long tail = index.tailVolatile();
        while (next < tail && written < length)
        {
            final int entry = index.entryOffset(next);
            final long position = entries.getLong(entry + IndexBuffer.DATA_POSITION_OFFSET);
            final int viewOffset = entries.getInt(entry + IndexBuffer.VIEW_OFFSET_OFFSET);
            final int viewLength = entries.getInt(entry + IndexBuffer.VIEW_LENGTH_OFFSET);
            final int id = entries.getInt(entry + IndexBuffer.DATA_BUFFER_OFFSET);
            final DataBuffer data = index.data(id);
            final int remaining = viewLength - part;
            final int room = length - written;
            if (remaining > room && written > 0)
            {
                break;
            }
            if (lossy)
            {
                if (viewOffset < 0 || viewLength < 0 || viewOffset + viewLength > DataBuffer.MAX_FRAME_LENGTH)
                {
                    return NOT_GATHERED; // a torn entry: the copy keeps it in bounds and drops it
                }
                final long end = position + Math.max(viewOffset + viewLength, DataBuffer.MIN_RECORD_SPACE);
                if (bufferId != id && bufferId >= 0)
                {
                    break;
                }
                if (Math.max(highest, end) - Math.min(lowest, position) > data.maxPinSpan())
                {
                    return NOT_GATHERED;
                }
                bufferId = id;
                lowest = Math.min(lowest, position);
                highest = Math.max(highest, end);
            }
            final int chunk = Math.min(remaining, room);
            final int at = data.frameOffset(position) + viewOffset + part;
            if (runBuffer == data.buffer() && runOffset + runLength == at)
            {
                runLength += chunk;
            }
            else
            {
                if (runLength > 0)
                {
                    list.run(runBuffer, runOffset, runLength);
                }
                runBuffer = data.buffer();
                runOffset = at;
                runLength = chunk;
            }
            written += chunk;
            if (chunk < remaining)
            {
                part += chunk;
                break;
            }
            next++;
            if (part != 0)
            {
                part = 0;
                break;
            }
        }
        if (runLength > 0)
        {
            list.run(runBuffer, runOffset, runLength);
        }
        if (lossy && written > 0 && (cursor < index.oldestIntact() || !pin(index.data(bufferId), lowest, highest)))
        {
            return NOT_GATHERED;
        }
        gatheredCursor = next;
        gatheredPartial = part;
        return written;
    }

    /**
     * Pins {@code [from, to)} of {@code data}, then checks that the producer has not begun to
     * overwrite it: either it sees the pin at its next step, or this sees its intent.
     */
    private boolean pin(final DataBuffer data, final long from, final long to)
    {
        pinnedBuffer = data.id();
        pinnedTo = to;
        pinnedFrom = from;
        if (data.isIntact(from))
        {
            return true;
        }
        pinnedFrom = UNPINNED;
        return false;
    }

    /**
     * Where this reader's pinned range of buffer {@code bufferId} ends, moved on by whole laps of
     * {@code capacity} to where it overlaps {@code [from, to)}; MIN_VALUE if it does not. A pin
     * held while the producer laps again still covers the same bytes.
     */
    long pinnedEnd(final int bufferId, final long from, final long to, final int capacity)
    {
        final long pinned = pinnedFrom;
        if (pinned == UNPINNED || pinnedBuffer != bufferId)
        {
            return Long.MIN_VALUE;
        }
        final long end = pinnedTo;
        if (pinnedFrom != pinned)
        {
            return Long.MIN_VALUE; // pinned anew: a range seen now is checked against the next intent
        }
        final long laps = from > pinned ? (from - pinned) & -(long)capacity : 0;
        for (long shift = laps; shift <= laps + capacity; shift += capacity)
        {
            if (pinned + shift < to && end + shift > from)
            {
                return end + shift;
            }
        }
        return Long.MIN_VALUE;
    }

    /** Leaves the cursor where it was after a {@link #gather} that could not be written out. */
    public void abandonGathered()
    {
        gatheredCursor = -1;
        pinnedFrom = UNPINNED;
    }

    /** Moves the cursor past what the last {@link #gather} appended, once it has been written out. */
    public void advanceGathered()
    {
        pinnedFrom = UNPINNED;
        final long next = gatheredCursor;
        if (next < 0)
        {
            return;
        }
        gatheredCursor = -1;
        partial = gatheredPartial;
        if (next != cursor)
        {
            cursor = next;
            index.data().beltway().spaceBell().ring();
        }
    }

    /** A reader of a ring whose memory is gone: closed from birth, it reads end-of-file. */
    static IndexReader closedReader(final IndexBuffer index)
    {
        final IndexReader reader = new IndexReader(index, 0, 0);
        reader.closed = true;
        return reader;
    }

    /** True if the producer waits for this reader rather than lapping it: {@link #gather} works. */
    public boolean isLossless()
    {
        return index.policy() == BufferPolicy.LOSSLESS;
    }

    /** True once the stream has ended and this reader has drained it, or the reader is closed. */
    public boolean isEnded()
    {
        return closed || (index.isEndedFor(run) && cursor >= index.tailVolatile());
    }

    /** True if a read would return data now, or the stream has ended. */
    public boolean isReadable()
    {
        return closed || cursor < index.tailVolatile() || index.isEndedFor(run);
    }

    /**
     * Waits up to {@code timeoutNs} for data or end of stream.
     *
     * @return whether a read would now return data or end of stream.
     */
    public boolean await(final long timeoutNs)
    {
        if (readable.getAsBoolean())
        {
            return true;
        }
        final Doorbell bell = index.dataBell();
        final long ticket = bell.prepare();
        try
        {
            if (!readable.getAsBoolean())
            {
                bell.await(ticket, timeoutNs);
            }
        }
        finally
        {
            bell.finish();
        }
        return readable.getAsBoolean();
    }

    /**
     * Elements this reader lost to lapping, counting those it has been lapped over but not yet
     * read past: a stopped reader's count stays current, and equals what its next read adds.
     */
    public long dropped()
    {
        final long at = cursor;
        final long counted = dropped;
        return at < index.oldestIntact() ? counted + Math.max(0, index.tailVolatile() - at) : counted;
    }

    /**
     * The data-buffer sequence of the oldest element this reader has yet to read, or
     * {@link Long#MAX_VALUE} if it has read everything: under the lossless policy, the reader
     * with the lowest one is what a waiting producer waits for. Any thread; a snapshot.
     */
    public long oldestUnreadSequence()
    {
        // the ring's lock: while this reader is open and registered, its memory is not freed
        synchronized (index)
        {
            final long at = cursor;
            if (closed || entries == null || at >= index.tailVolatile())
            {
                return Long.MAX_VALUE;
            }
            return entries.getLongVolatile(index.entryOffset(at) + IndexBuffer.DATA_SEQUENCE_OFFSET);
        }
    }

    /** Index of the next entry this reader will read. */
    public long cursor()
    {
        return cursor;
    }

    /** Entries appended but not yet read by this reader. */
    public long backlog()
    {
        return Math.max(0, index.tailVolatile() - cursor);
    }

    public void close()
    {
        if (!closed)
        {
            closed = true;
            index.removeReader(this);
            index.dataBell().ring();
        }
    }

    private int copy(
        final MutableDirectBuffer dst, final int offset, final int length, final ElementFormat format, final boolean consume)
    {
        if (closed)
        {
            return 0;
        }
        long next = cursor;
        int part = partial;
        long lost = 0;
        int written = 0;
        final long tail = index.tailVolatile();

        while (next < tail && written < length)
        {
            if (next < index.oldestIntact())
            {
                lost += tail - next;
                next = tail;
                part = 0;
                break;
            }
            final int entry = index.entryOffset(next);
            final long position = entries.getLong(entry + IndexBuffer.DATA_POSITION_OFFSET);
            final long sequence = entries.getLong(entry + IndexBuffer.DATA_SEQUENCE_OFFSET);
            final int viewOffset = entries.getInt(entry + IndexBuffer.VIEW_OFFSET_OFFSET);
            final int viewLength = entries.getInt(entry + IndexBuffer.VIEW_LENGTH_OFFSET);
            final int frameTag = entries.getInt(entry + IndexBuffer.FRAME_TAG_OFFSET);
            final DataBuffer data = index.data(entries.getInt(entry + IndexBuffer.DATA_BUFFER_OFFSET));
            if (next < index.oldestIntact())
            {
                continue;
            }

            final int elementLength = format.length(data, position, viewOffset, viewLength, frameTag);
            final int remaining = elementLength - part;
            final int room = length - written;
            if (remaining > room && written > 0)
            {
                break;
            }
            final int chunk = Math.min(remaining, room);
            // Copy first, validate after: a torn length still copies inside the DBuf's slack.
            format.copy(data, position, viewOffset, viewLength, frameTag, part, dst, offset + written, chunk);
            if (!data.isIntact(position) || data.sequence(position) != sequence)
            {
                lost++;
                next++;
                part = 0;
                continue;
            }
            written += chunk;
            if (chunk < remaining)
            {
                part += chunk;
                break;
            }
            next++;
            if (part != 0)
            {
                // The tail of a split element ends its read, so a read holds either whole
                // elements or one piece of a single element.
                part = 0;
                break;
            }
        }

        if (consume)
        {
            partial = part;
            if (lost != 0)
            {
                dropped += lost;
            }
            if (next != cursor)
            {
                cursor = next;
                index.data().beltway().spaceBell().ring();
            }
        }
        return written;
    }
}
