package org.pipesfs.fs.export;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.FramedElementFormat;
import org.pipesfs.buffers.IndexReader;

/**
 * An export's reader of its node: reads the ring a megabyte at a time in
 * {@link FramedElementFormat} and hands each whole frame, with its capture time, link type and
 * lengths, to a {@link Handler}. The frames stay in this object's read buffer, at their native
 * addresses, until the next {@link #read}, so a handler may lend them out until then.
 *
 * <p>Thread rule: the export's thread only; {@link #close} after that thread has finished.
 */
final class FrameReads implements AutoCloseable
{
    private static final int READ_BYTES = 1 << 20;
    private static final long WAIT_SLICE_NS = 20_000_000L;

    /** Takes one frame: {@code length} bytes at {@code offset} in {@code buffer}. */
    @FunctionalInterface
    interface Handler
    {
        void frame(UnsafeBuffer buffer, int offset, int length, long timestampNs, int linkType, int originalLength);
    }

    private final IndexReader reader;
    private final UnsafeBuffer elements = new UnsafeBuffer(BufferUtil.allocateDirectAligned(READ_BYTES, 64));
    private final FramedElementFormat format = new FramedElementFormat();

    /** @param reader the node's reader, which this owns from now on */
    FrameReads(final IndexReader reader)
    {
        this.reader = reader;
    }

    /** Hands every frame ready now to {@code handler}, in order; never waits. Returns how many. */
    int read(final Handler handler)
    {
        final int length = reader.read(elements, 0, READ_BYTES, format);
        int frames = 0;
        int at = 0;
        while (at + FramedElementFormat.PREFIX_LENGTH <= length)
        {
            final int captured = elements.getInt(at + FramedElementFormat.CAPTURED_LENGTH_OFFSET, FramedElementFormat.ORDER);
            final int frameAt = at + FramedElementFormat.PREFIX_LENGTH;
            if (captured < 0 || frameAt + captured > length)
            {
                break; // reads hand out whole elements; a torn prefix ends the batch
            }
            handler.frame(elements, frameAt, captured,
                elements.getLong(at + FramedElementFormat.TIMESTAMP_OFFSET, FramedElementFormat.ORDER),
                elements.getInt(at + FramedElementFormat.LINK_TYPE_OFFSET, FramedElementFormat.ORDER),
                elements.getInt(at + FramedElementFormat.ORIGINAL_LENGTH_OFFSET, FramedElementFormat.ORDER));
            frames++;
            at = frameAt + captured;
        }
        return frames;
    }

    /** Whether the node's stream has ended and every element of it was read. */
    boolean isEnded()
    {
        return reader.isEnded();
    }

    /** Waits a slice of time for more, so that a closing export notices within it. */
    void await()
    {
        reader.await(WAIT_SLICE_NS);
    }

    @Override
    public void close()
    {
        reader.close();
    }
}
