package org.pipesfs.nic.kafka;

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
 * An export reads the elements it sends with {@link org.pipesfs.buffers.FramedElementFormat},
 * which carries the same fields in front of each frame.
 */
public final class KafkaFrameRecord
{
    public static final String TIMESTAMP_NS = "ts_ns";
    public static final String LINK_TYPE = "linktype";
    public static final String ORIGINAL_LENGTH = "orig_len";

    private KafkaFrameRecord()
    {
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
