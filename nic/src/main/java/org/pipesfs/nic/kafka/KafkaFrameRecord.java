package org.pipesfs.nic.kafka;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;

import java.nio.ByteOrder;

/**
 * How a frame travels as a Kafka record, for export nodes and the {@code kafka:} source alike.
 * The record's value is the whole captured frame, its timestamp the capture time in
 * milliseconds, and three headers carry what a millisecond and a byte array lose:
 * <pre>
 *   header    value
 *   ts_ns     capture time, nanoseconds since the epoch, 8 bytes big-endian
 *   linktype  pcap link type of the frame, 4 bytes big-endian (1: Ethernet)
 *   orig_len  length on the wire, 4 bytes big-endian (more than the value if snapped)
 * </pre>
 * As an {@link ElementFormat} it renders an element for the exporter the same way, as a fixed
 * prefix of those fields and then the frame:
 * <pre>
 *   0   i64  capture time, ns (all fields little-endian, {@link #ORDER})
 *   8   i32  link type
 *   12  i32  original length
 *   16  i32  captured length (the frame's bytes that follow)
 *   20  ...  frame
 * </pre>
 * As a format, one instance per reader, as {@code PcapRecordFormat}: it fills a 20-byte
 * scratch prefix per element.
 */
public final class KafkaFrameRecord implements ElementFormat
{
    public static final String TIMESTAMP_NS = "ts_ns";
    public static final String LINK_TYPE = "linktype";
    public static final String ORIGINAL_LENGTH = "orig_len";

    public static final int TIMESTAMP_OFFSET = 0;
    public static final int LINK_TYPE_OFFSET = 8;
    public static final int ORIGINAL_LENGTH_OFFSET = 12;
    public static final int CAPTURED_LENGTH_OFFSET = 16;
    public static final int PREFIX_LENGTH = 20;

    /** The byte order of the prefix fields. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final UnsafeBuffer prefix = new UnsafeBuffer(new byte[PREFIX_LENGTH]);

    public int length(final DataBuffer data, final long position, final int viewOffset, final int viewLength)
    {
        return PREFIX_LENGTH + data.capturedLength(position);
    }

    public void copy(
        final DataBuffer data,
        final long position,
        final int viewOffset,
        final int viewLength,
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
            prefix.putInt(LINK_TYPE_OFFSET, data.linkType(position), ORDER);
            prefix.putInt(ORIGINAL_LENGTH_OFFSET, data.originalLength(position), ORDER);
            prefix.putInt(CAPTURED_LENGTH_OFFSET, data.capturedLength(position), ORDER);
            final int n = Math.min(left, PREFIX_LENGTH - at);
            dst.putBytes(out, prefix, at, n);
            at += n;
            out += n;
            left -= n;
        }
        if (left > 0)
        {
            data.copyFrame(position, at - PREFIX_LENGTH, dst, out, left);
        }
    }

    /** A header value: {@code value} as {@code length} big-endian bytes. */
    public static byte[] bigEndian(final long value, final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(value >>> (8 * (length - 1 - i)));
        }
        return bytes;
    }

    /** A header's big-endian value, or {@code otherwise} if it is missing or not {@code length} bytes. */
    public static long bigEndian(final byte[] bytes, final int length, final long otherwise)
    {
        if (bytes == null || bytes.length != length)
        {
            return otherwise;
        }
        long value = 0;
        for (final byte b : bytes)
        {
            value = value << 8 | (b & 0xff);
        }
        return value;
    }
}
