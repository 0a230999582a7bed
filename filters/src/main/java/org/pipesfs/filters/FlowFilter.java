package org.pipesfs.filters;

import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.filters.expr.Addresses;

/**
 * A {@code stream} class, {@code SRC_IP.SPORT-DST_IP.DPORT}: the TCP segments of one direction
 * of one connection. Under its {@code stream} node it receives that flow's reassembled bytes;
 * moved elsewhere it keeps the flow's segments, as a moved HTTP class keeps its requests.
 */
public record FlowFilter(String spec, byte[] source, int sourcePort, byte[] destination, int destinationPort) implements Filter
{
    /** The flow a class name stands for, or null if it is not one. */
    public static FlowFilter parse(final String name)
    {
        final int dash = name.indexOf('-');
        if (dash < 0)
        {
            return null;
        }
        try
        {
            final int sourceDot = name.lastIndexOf('.', dash);
            final int destinationDot = name.lastIndexOf('.');
            if (sourceDot < 0 || destinationDot <= dash)
            {
                return null;
            }
            final byte[] source = address(name.substring(0, sourceDot));
            final byte[] destination = address(name.substring(dash + 1, destinationDot));
            final int sourcePort = Integer.parseInt(name.substring(sourceDot + 1, dash));
            final int destinationPort = Integer.parseInt(name.substring(destinationDot + 1));
            if (source.length != destination.length || sourcePort > 65535 || destinationPort > 65535)
            {
                return null;
            }
            return new FlowFilter(name, source, sourcePort, destination, destinationPort);
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
    }

    private static byte[] address(final String text)
    {
        return text.indexOf(':') >= 0 ? Addresses.parseV6(text, text) : Addresses.parseV4(text, text);
    }

    public boolean accept(final PacketView packet)
    {
        return packet.protocol() == PacketView.PROTO_TCP && packet.sourcePort() == sourcePort
            && packet.destinationPort() == destinationPort && packet.ipVersion() == (source.length == 4 ? 4 : 6)
            && equal(packet, packet.sourceAddressOffset(), source) && equal(packet, packet.destinationAddressOffset(), destination);
    }

    public View view()
    {
        return View.PAYLOAD;
    }

    private static boolean equal(final PacketView packet, final int offset, final byte[] address)
    {
        for (int i = 0; i < address.length; i++)
        {
            if (packet.buffer().getByte(packet.base() + offset + i) != address[i])
            {
                return false;
            }
        }
        return true;
    }

    /** The address at {@code offset} as text: dotted IPv4, or IPv6 with the longest zero run as {@code ::}. */
    static String address(final PacketView packet, final int offset)
    {
        final org.agrona.DirectBuffer buffer = packet.buffer();
        final int at = packet.base() + offset;
        if (packet.ipVersion() == 4)
        {
            return (buffer.getByte(at) & 0xff) + "." + (buffer.getByte(at + 1) & 0xff) + "."
                + (buffer.getByte(at + 2) & 0xff) + "." + (buffer.getByte(at + 3) & 0xff);
        }
        final int[] groups = new int[8];
        for (int i = 0; i < 8; i++)
        {
            groups[i] = buffer.getShort(at + 2 * i, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8;)
        {
            int j = i;
            while (j < 8 && groups[j] == 0)
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
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':')
            {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
