package org.pipesfs.nic.synthetic;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Frames of one size for a line-rate generator ({@code synthetic:size=N}): IPv4/UDP frames from
 * 10.0.0.1 to 10.0.0.2, port 9 (discard), whose source port cycles through 1,024 flows and
 * whose IP identification counts up. Each frame is a copy of one template with those two
 * fields rewritten and the IP header checksum updated incrementally (RFC 1624); the UDP
 * checksum is 0, "none", as IPv4 allows. The payload is a fixed run of letters.
 * <pre>
 *   0   Ethernet: dst 02:00:00:00:00:02, src 02:00:00:00:00:01, type 0x0800
 *   14  IPv4: version 4, IHL 5, total length N - 14, id (varies), DF, TTL 64, UDP, checksum
 *   34  UDP: source port (varies), destination port 9, length N - 34, checksum 0
 *   42  payload, N - 42 bytes
 * </pre>
 * Single-threaded, as the source that owns it.
 */
final class FixedSizeFrames
{
    /** The smallest frame: Ethernet's minimum, 60 bytes before the FCS, as captures show it. */
    static final int MIN_SIZE = 60;
    /** The largest: a 1500-byte IP packet. */
    static final int MAX_SIZE = 1514;

    private static final int IP_ID_OFFSET = 18;
    private static final int IP_CHECKSUM_OFFSET = 24;
    private static final int SOURCE_PORT_OFFSET = 34;
    private static final int FLOWS = 1024;
    private static final int FIRST_PORT = 40_000;

    private final int size;
    private final UnsafeBuffer template;
    /** The one's-complement sum of the IP header with id and checksum zero. */
    private final int headerSum;
    private int id;

    FixedSizeFrames(final int size)
    {
        if (size < MIN_SIZE || size > MAX_SIZE)
        {
            throw new IllegalArgumentException("size=" + size + ": a frame of " + MIN_SIZE + " to " + MAX_SIZE + " bytes");
        }
        this.size = size;
        final byte[] t = new byte[size];
        final int[] ethernet = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
        for (int i = 0; i < ethernet.length; i++)
        {
            t[i] = (byte)ethernet[i];
        }
        final int ipLength = size - 14;
        final int[] ip = {0x45, 0, ipLength >>> 8, ipLength & 0xff, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
        for (int i = 0; i < ip.length; i++)
        {
            t[14 + i] = (byte)ip[i];
        }
        final int udpLength = size - 34;
        t[36] = 0;
        t[37] = 9;
        t[38] = (byte)(udpLength >>> 8);
        t[39] = (byte)udpLength;
        for (int i = 42; i < size; i++)
        {
            t[i] = (byte)('a' + (i - 42) % 26);
        }
        template = new UnsafeBuffer(t);
        int sum = 0;
        for (int i = 14; i < 34; i += 2)
        {
            sum += (t[i] & 0xff) << 8 | (t[i + 1] & 0xff);
        }
        headerSum = sum;
    }

    int size()
    {
        return size;
    }

    /** Writes the next frame at {@code offset}; returns its length. */
    int next(final MutableDirectBuffer b, final int offset)
    {
        b.putBytes(offset, template, 0, size);
        final int frameId = id++ & 0xffff;
        int sum = headerSum + frameId;
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        b.putShort(offset + IP_ID_OFFSET, (short)frameId, ByteOrder.BIG_ENDIAN);
        b.putShort(offset + IP_CHECKSUM_OFFSET, (short)~sum, ByteOrder.BIG_ENDIAN);
        b.putShort(offset + SOURCE_PORT_OFFSET, (short)(FIRST_PORT + frameId % FLOWS), ByteOrder.BIG_ENDIAN);
        return size;
    }
}
