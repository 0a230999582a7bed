package org.pipesfs.filters;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.ElementFrame;
import org.pipesfs.filters.decode.PacketView;

/**
 * Renders each element of an {@code inspect} node as one tcpdump {@code -nn}-style line: UTC
 * time, addresses and ports, protocol, TCP flags, length. For example
 * {@code 10:17:37.374452 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 0, length 0}. The
 * index entries still point at the original slots; the text exists only in the reader's
 * buffer. One instance per reader: the line is rendered into a scratch buffer once per
 * element and copied from there, so a line split across reads stays consistent.
 */
public final class InspectFormat implements ElementFormat
{
    private static final int MAX_LINE = 256;
    private static final char[] FLAG_CHARS = {'F', 'S', 'R', 'P', '.', 'U', 'E', 'W'};
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final UnsafeBuffer line = new UnsafeBuffer(new byte[MAX_LINE]);
    private final PacketView packet = new PacketView();
    private long renderedPosition = -1;
    private long renderedSequence = -1;
    private int length;
    private int at;

    public int length(
        final DataBuffer data, final long position, final int viewOffset, final int viewLength, final int frameTag)
    {
        render(data, position, frameTag);
        return length;
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
        final int count)
    {
        render(data, position, frameTag);
        dst.putBytes(dstOffset, line, from, count);
    }

    private void render(final DataBuffer data, final long position, final int frameTag)
    {
        final long sequence = data.sequence(position);
        if (position == renderedPosition && sequence == renderedSequence)
        {
            return;
        }
        renderedPosition = position;
        renderedSequence = sequence;
        final int captured = ElementFrame.capturedLength(frameTag, data, position);
        packet.decode(data.buffer(), data.frameOffset(position) + ElementFrame.shift(frameTag), captured,
            ElementFrame.linkType(frameTag, data, position), PacketView.TRANSPARENT);
        at = 0;
        time(data.timestampNs(position));
        if (packet.ipVersion() != 0)
        {
            text(packet.ipVersion() == 4 ? " IP " : " IP6 ");
            endpoint(packet.sourceAddressOffset(), packet.sourcePort());
            text(" > ");
            endpoint(packet.destinationAddressOffset(), packet.destinationPort());
            text(": ");
            transport();
        }
        else if (packet.isArp())
        {
            final int op = packet.u16(packet.networkOffset() + 6);
            text(op == 1 ? " ARP, Request who-has " : op == 2 ? " ARP, Reply " : " ARP, ");
            address(packet.networkOffset() + 24, 4);
            text(op == 1 ? " tell " : op == 2 ? " is-at " : " from ");
            if (op == 2)
            {
                mac(packet.networkOffset() + 8);
            }
            else
            {
                address(packet.networkOffset() + 14, 4);
            }
            text(", length 28");
        }
        else
        {
            text(" ethertype 0x");
            hex16(Math.max(0, packet.etherType()));
            text(", length ");
            number(captured);
        }
        line.putByte(at++, (byte)'\n');
        length = at;
    }

    private void transport()
    {
        final int protocol = packet.protocol();
        if (protocol == PacketView.PROTO_TCP && packet.tcpFlags() >= 0)
        {
            text("Flags [");
            final int flags = packet.tcpFlags();
            boolean any = false;
            for (int bit = 0; bit < FLAG_CHARS.length; bit++)
            {
                if ((flags & (1 << bit)) != 0)
                {
                    line.putByte(at++, (byte)FLAG_CHARS[bit]);
                    any = true;
                }
            }
            if (!any)
            {
                text("none");
            }
            text("], seq ");
            number(packet.s32(packet.transportOffset() + 4) & 0xffffffffL);
            text(", length ");
            number(packet.payloadLength());
        }
        else if (protocol == PacketView.PROTO_UDP)
        {
            text("UDP, length ");
            number(packet.payloadLength());
        }
        else if ((protocol == PacketView.PROTO_ICMP || protocol == PacketView.PROTO_ICMPV6) && packet.icmpType() >= 0)
        {
            text(protocol == PacketView.PROTO_ICMP ? "ICMP type " : "ICMP6 type ");
            number(packet.icmpType());
            text(", length ");
            number(packet.transportEnd() - packet.transportOffset());
        }
        else
        {
            text(packet.isLaterFragment() ? "fragment, proto " : "proto ");
            number(Math.max(0, protocol));
            text(", length ");
            number(packet.networkEnd() - packet.networkOffset());
        }
    }

    private void endpoint(final int addressOffset, final int port)
    {
        address(addressOffset, packet.addressLength());
        if (port >= 0)
        {
            line.putByte(at++, (byte)'.');
            number(port);
        }
    }

    private void address(final int offset, final int width)
    {
        if (!packet.fits(offset, width))
        {
            text("?");
            return;
        }
        if (width == 4)
        {
            for (int i = 0; i < 4; i++)
            {
                if (i > 0)
                {
                    line.putByte(at++, (byte)'.');
                }
                number(packet.u8(offset + i));
            }
            return;
        }
        // RFC 5952: the longest run of two or more zero groups becomes "::".
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; )
        {
            int j = i;
            while (j < 8 && packet.u16(offset + 2 * j) == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text(i == 0 ? "::" : ":");
                i += bestLength - 1;
                continue;
            }
            hexGroup(packet.u16(offset + 2 * i));
            if (i < 7)
            {
                line.putByte(at++, (byte)':');
            }
        }
    }

    private void mac(final int offset)
    {
        for (int i = 0; i < 6 && packet.fits(offset + i, 1); i++)
        {
            if (i > 0)
            {
                line.putByte(at++, (byte)':');
            }
            final int b = packet.u8(offset + i);
            line.putByte(at++, HEX[b >>> 4]);
            line.putByte(at++, HEX[b & 15]);
        }
    }

    private void time(final long ns)
    {
        final long dayNs = Math.floorMod(ns, 86_400_000_000_000L);
        final long seconds = dayNs / 1_000_000_000L;
        two((int)(seconds / 3600));
        line.putByte(at++, (byte)':');
        two((int)(seconds / 60 % 60));
        line.putByte(at++, (byte)':');
        two((int)(seconds % 60));
        line.putByte(at++, (byte)'.');
        final int micros = (int)(dayNs % 1_000_000_000L / 1000);
        for (int divisor = 100_000; divisor > 0; divisor /= 10)
        {
            line.putByte(at++, (byte)('0' + micros / divisor % 10));
        }
    }

    private void two(final int value)
    {
        line.putByte(at++, (byte)('0' + value / 10));
        line.putByte(at++, (byte)('0' + value % 10));
    }

    private void hexGroup(final int value)
    {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4)
        {
            final int digit = (value >>> shift) & 15;
            if (digit != 0 || started || shift == 0)
            {
                line.putByte(at++, HEX[digit]);
                started = true;
            }
        }
    }

    private void hex16(final int value)
    {
        for (int shift = 12; shift >= 0; shift -= 4)
        {
            line.putByte(at++, HEX[(value >>> shift) & 15]);
        }
    }

    private void number(final long value)
    {
        at += line.putLongAscii(at, value);
    }

    private void text(final String ascii)
    {
        at += line.putStringWithoutLengthAscii(at, ascii);
    }
}
