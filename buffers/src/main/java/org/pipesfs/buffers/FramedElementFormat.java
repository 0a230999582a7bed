package org.pipesfs.buffers;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Renders each element as its whole captured frame behind a fixed prefix of the slot's
 * metadata, for the threads that send a node's elements elsewhere (a Kafka export, an
 * interface transmit) and need the capture time and link type of every frame they read:
 * <pre>
 *   0   i64  capture time, ns since the epoch (all fields little-endian, {@link #ORDER})
 *   8   i32  pcap link type
 *   12  i32  original length (on the wire)
 *   16  i32  captured length: the frame's bytes that follow
 *   20  ...  frame
 * </pre>
 * Unlike {@link #VIEW} it always gives the whole frame, never a node's view into it: the
 * record's, or the inner frame a node found inside a tunnel ({@link ElementFrame}). One
 * instance per reader, as a pcap record format: it fills a 20-byte scratch prefix per element.
 */
public final class FramedElementFormat implements ElementFormat
{
    public static final int TIMESTAMP_OFFSET = 0;
    public static final int LINK_TYPE_OFFSET = 8;
    public static final int ORIGINAL_LENGTH_OFFSET = 12;
    public static final int CAPTURED_LENGTH_OFFSET = 16;
    public static final int PREFIX_LENGTH = 20;

    /** The byte order of the prefix fields. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final UnsafeBuffer prefix = new UnsafeBuffer(new byte[PREFIX_LENGTH]);

    public int length(
        final DataBuffer data, final long position, final int viewOffset, final int viewLength, final int frameTag)
    {
        return PREFIX_LENGTH + ElementFrame.capturedLength(frameTag, data, position);
    }

    public void copy(
        final DataBuffer data,
        final long position,
        final int viewOffset,
        final int viewLength,
        final int frameTag,
        final int from,
        final MutableDirectBuffer dst,
        final int dstOffset,
        final int length)
    {
        int at = from;
        int out = dstOffset;
        int left = length;
        if (at < PREFIX_LENGTH)
        {
            prefix.putLong(TIMESTAMP_OFFSET, data.timestampNs(position), ORDER);
            prefix.putInt(LINK_TYPE_OFFSET, ElementFrame.linkType(frameTag, data, position), ORDER);
            prefix.putInt(ORIGINAL_LENGTH_OFFSET, ElementFrame.originalLength(frameTag, data, position), ORDER);
            prefix.putInt(CAPTURED_LENGTH_OFFSET, ElementFrame.capturedLength(frameTag, data, position), ORDER);
            final int n = Math.min(left, PREFIX_LENGTH - at);
            dst.putBytes(out, prefix, at, n);
            at += n;
            out += n;
            left -= n;
        }
        if (left > 0)
        {
            data.copyFrame(position, ElementFrame.shift(frameTag) + at - PREFIX_LENGTH, dst, out, left);
        }
    }
}
