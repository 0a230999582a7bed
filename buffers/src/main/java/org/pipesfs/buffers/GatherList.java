package org.pipesfs.buffers;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * A reply assembled for one gathering write ({@code writev(2)}): native segments that point
 * either straight into a {@link DataBuffer} (runs of elements that lie back to back there) or
 * into this list's own scratch memory (short runs, copied, because the kernel pins the pages of
 * every segment separately and a segment per small element costs more than a copy).
 *
 * <pre>
 * The segment array, one struct iovec per segment (LP64):
 *   0                   8                  16
 *   +-------------------+-------------------+
 *   |   base address    |   length (bytes)  |
 *   +-------------------+-------------------+
 * </pre>
 *
 * <p>Thread rules: one thread owns a list (a FUSE worker) and reuses it for every reply; it
 * allocates nothing after construction.
 */
public final class GatherList
{
    /** Runs shorter than this are copied into scratch memory instead of getting a segment. */
    public static final int MIN_DIRECT_RUN = 4096;
    /** Segments a list holds at most: Linux's IOV_MAX. */
    public static final int MAX_SEGMENTS = 1024;

    private static final int SEGMENT_LENGTH = 16;
    private static final int BASE_OFFSET = 0;
    private static final int LENGTH_OFFSET = 8;

    private final UnsafeBuffer segments;
    private final UnsafeBuffer scratch;
    private final long scratchAddress;
    private int count;
    private int scratchUsed;
    private int length;
    private int copied;

    /** @param scratchCapacity the most bytes one reply can carry */
    public GatherList(final int scratchCapacity)
    {
        final ByteBuffer array = BufferUtil.allocateDirectAligned(MAX_SEGMENTS * SEGMENT_LENGTH, 64);
        final ByteBuffer memory = BufferUtil.allocateDirectAligned(scratchCapacity, 4096);
        this.segments = new UnsafeBuffer(array);
        this.scratch = new UnsafeBuffer(memory);
        this.scratchAddress = scratch.addressOffset();
    }

    /** Empties the list for the next reply. */
    public void reset()
    {
        count = 0;
        scratchUsed = 0;
        length = 0;
        copied = 0;
    }

    /** Appends a segment as it is (a reply header, say), whatever its length. */
    public void segment(final long address, final int bytes)
    {
        if (bytes == 0)
        {
            return;
        }
        if (count == MAX_SEGMENTS)
        {
            throw new IllegalStateException("a gather list holds " + MAX_SEGMENTS + " segments");
        }
        final int at = count * SEGMENT_LENGTH;
        segments.putLong(at + BASE_OFFSET, address);
        segments.putLong(at + LENGTH_OFFSET, bytes);
        count++;
        length += bytes;
    }

    /**
     * Appends a run of bytes that stays where it is until the write is done: a segment of its
     * own if long enough, otherwise a copy into scratch memory, merged with the previous copy.
     */
    public void run(final UnsafeBuffer source, final int offset, final int bytes)
    {
        if (bytes >= MIN_DIRECT_RUN && count < MAX_SEGMENTS - 1)
        {
            segment(source.addressOffset() + offset, bytes);
            return;
        }
        if (scratchUsed + bytes > scratch.capacity())
        {
            throw new IllegalStateException("reply larger than the scratch memory of " + scratch.capacity() + " B");
        }
        scratch.putBytes(scratchUsed, source, offset, bytes);
        final int last = (count - 1) * SEGMENT_LENGTH;
        if (count > 0 && segments.getLong(last + BASE_OFFSET) + segments.getLong(last + LENGTH_OFFSET)
            == scratchAddress + scratchUsed)
        {
            segments.putLong(last + LENGTH_OFFSET, segments.getLong(last + LENGTH_OFFSET) + bytes);
            length += bytes;
        }
        else
        {
            segment(scratchAddress + scratchUsed, bytes);
        }
        scratchUsed += bytes;
        copied += bytes;
    }

    /** Address of the iovec array. */
    public long address()
    {
        return segments.addressOffset();
    }

    /** Segments so far. */
    public int count()
    {
        return count;
    }

    /** Bytes in all segments. */
    public int length()
    {
        return length;
    }

    /** Bytes that were copied into scratch memory rather than pointed at. */
    public int copied()
    {
        return copied;
    }

    /** Base address of segment {@code i}. */
    public long base(final int i)
    {
        return segments.getLong(i * SEGMENT_LENGTH + BASE_OFFSET);
    }

    /** Length of segment {@code i}. */
    public int length(final int i)
    {
        return (int)segments.getLong(i * SEGMENT_LENGTH + LENGTH_OFFSET);
    }
}
