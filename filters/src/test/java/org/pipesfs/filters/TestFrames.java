package org.pipesfs.filters;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds small Ethernet frames for graph tests (checksums are not the point here). */
final class TestFrames
{
    static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);

    int tcp4(final int src, final int dst, final int sport, final int dport, final String payload)
    {
        final byte[] data = payload.getBytes(StandardCharsets.US_ASCII);
        ethernet(0x0800);
        ipv4(src, dst, 6, 20 + data.length);
        frame.putShort(34, (short)sport, NET);
        frame.putShort(36, (short)dport, NET);
        frame.putByte(46, (byte)0x50);
        frame.putByte(47, (byte)0x18);
        frame.putBytes(54, data);
        return Math.max(60, 54 + data.length);
    }

    /** A TCP segment with its sequence number and flags (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10). */
    int tcp4(final int src, final int dst, final int sport, final int dport, final int seq, final int flags, final String payload)
    {
        final int length = tcp4(src, dst, sport, dport, payload);
        frame.putInt(38, seq, NET);
        frame.putByte(47, (byte)flags);
        return length;
    }

    int udp4(final int src, final int dst, final int sport, final int dport, final byte[] data)
    {
        ethernet(0x0800);
        ipv4(src, dst, 17, 8 + data.length);
        frame.putShort(34, (short)sport, NET);
        frame.putShort(36, (short)dport, NET);
        frame.putShort(38, (short)(8 + data.length), NET);
        frame.putBytes(42, data);
        return Math.max(60, 42 + data.length);
    }

    int dns(final boolean response)
    {
        final byte[] message = new byte[29];
        message[2] = (byte)(response ? 0x81 : 0x01);
        message[5] = 1;
        return response ? udp4(0x0a000035, 0x0a000001, 53, 40000, message) : udp4(0x0a000001, 0x0a000035, 40000, 53, message);
    }

    int arp()
    {
        ethernet(0x0806);
        frame.putShort(14, (short)1, NET);
        frame.putShort(16, (short)0x0800, NET);
        frame.putByte(18, (byte)6);
        frame.putByte(19, (byte)4);
        frame.putShort(20, (short)1, NET);
        return 60;
    }

    private void ethernet(final int type)
    {
        frame.setMemory(0, 64, (byte)0);
        frame.putShort(12, (short)type, NET);
    }

    private void ipv4(final int src, final int dst, final int protocol, final int payload)
    {
        frame.putByte(14, (byte)0x45);
        frame.putShort(16, (short)(20 + payload), NET);
        frame.putByte(22, (byte)64);
        frame.putByte(23, (byte)protocol);
        frame.putInt(26, src, NET);
        frame.putInt(30, dst, NET);
    }

    /** Writes the current frame into the data buffer and runs it through the graph. */
    long feed(final NodeGraph graph, final int length)
    {
        final DataBuffer data = graph.data();
        final long position = data.append(frame, 0, length, length, 0, 1);
        final long sequence = data.sequence(position);
        graph.onFrame(position, sequence, length);
        return sequence;
    }
}
