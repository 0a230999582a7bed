package org.pipesfs.filters.expr;

import org.agrona.DirectBuffer;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.filters.decode.TunnelDecoder;

/**
 * Where an {@code expr=} primitive looks. pcap-filter's encapsulation keywords ({@code vlan},
 * {@code mpls}, {@code pppoes}, {@code geneve}, {@code vxlan}) move every primitive after them
 * one layer in, whatever the boolean operators between (so {@code vlan or ip} tests {@code ip}
 * inside the tag, as libpcap does). A layer context is the list of keywords before a
 * primitive, packed in an int at compile time; {@link #decode} finds that layer in a packet.
 *
 * <pre>
 * Context, 32 bits:
 *   bits 0-2: number of steps (0 to {@link #MAX_STEPS})
 *   bits 3-5, 6-8, ...: each step, outermost first ({@link #VLAN}, {@link #MPLS}, ...)
 * </pre>
 *
 * A context's layer is either a frame (link layer at an offset, with some tags to skip) or a
 * network packet of a known EtherType at an offset (after MPLS, PPPoE, or a GENEVE header that
 * carries no Ethernet). Offsets follow libpcap's code: GENEVE and VXLAN are found behind UDP
 * over IPv4 (not a later fragment) or IPv6 (no extension headers), by destination port.
 */
final class Layers
{
    static final int FRAME = 0;
    static final int VLAN = 1;
    static final int MPLS = 2;
    static final int PPPOES = 3;
    static final int GENEVE = 4;
    static final int VXLAN = 5;
    static final int MAX_STEPS = 8;
    static final int PORT_GENEVE = TunnelDecoder.PORT_GENEVE;
    static final int PORT_VXLAN = TunnelDecoder.PORT_VXLAN;
    static final int ETHERTYPE_MPLS = TunnelDecoder.ETHERTYPE_MPLS;
    static final int ETHERTYPE_PPPOE_SESSION = TunnelDecoder.ETHERTYPE_PPPOE_SESSION;
    private static final int ETHERTYPE_TEB = TunnelDecoder.ETHERTYPE_TRANSPARENT_ETHERNET;
    private static final int PPP_IPV4 = TunnelDecoder.PPP_IPV4;
    private static final int PPP_IPV6 = TunnelDecoder.PPP_IPV6;
    private static final int STEP_BITS = 3;
    private static final int STEP_MASK = 7;

    private Layers()
    {
    }

    /** The context after one more keyword. */
    static int push(final int context, final int step)
    {
        final int n = steps(context);
        if (n == MAX_STEPS)
        {
            throw new org.pipesfs.filters.FilterSpecException("expr: more than " + MAX_STEPS + " encapsulation keywords");
        }
        return (context & ~STEP_MASK) | step << (STEP_BITS * (n + 1)) | (n + 1);
    }

    static int steps(final int context)
    {
        return context & STEP_MASK;
    }

    /** The last keyword of the context, or {@link #FRAME} for none. */
    static int last(final int context)
    {
        final int n = steps(context);
        return n == 0 ? FRAME : step(context, n - 1);
    }

    private static int step(final int context, final int i)
    {
        return context >>> (STEP_BITS * (i + 1)) & STEP_MASK;
    }

    /** VLAN tags to skip in the context's frame: the {@code vlan} keywords since the frame began. */
    static int tags(final int context)
    {
        int tags = 0;
        for (int i = steps(context) - 1; i >= 0 && step(context, i) == VLAN; i--)
        {
            tags++;
        }
        return tags;
    }

    /**
     * Decodes the context's layer of the packet {@code [base, base + length)} into {@code view}
     * ({@code scratch} is used on the way). A layer the packet does not have decodes as a
     * frame of no known link type: every primitive on it is false.
     */
    static PacketView decode(
        final int context, final DirectBuffer buffer, final int base, final int length, final int linkType,
        final PacketView view, final PacketView scratch)
    {
        int offset = 0;
        int link = linkType;
        int tags = 0;
        int etherType = -1; // -1: a frame at offset; else a network packet of this type at offset
        final int n = steps(context);
        for (int i = 0; i < n; i++)
        {
            final int step = step(context, i);
            if (step == VLAN)
            {
                if (etherType >= 0)
                {
                    return none(view, buffer, base);
                }
                tags++;
                continue;
            }
            // Every other keyword starts where the current layer's network header would.
            final int network;
            if (etherType < 0)
            {
                final PacketView frame = scratch.decode(buffer, base + offset, length - offset, link, tags);
                if (frame.networkOffset() < 0)
                {
                    return none(view, buffer, base);
                }
                network = offset + frame.networkOffset();
            }
            else
            {
                network = offset;
            }
            switch (step)
            {
                case MPLS -> {
                    offset = network + 4;
                    etherType = mplsPayloadType(buffer, base, length, offset);
                }
                case PPPOES -> {
                    offset = network + 8;
                    final int ppp = network + 8 <= length ? u16(buffer, base + network + 6) : -1;
                    etherType = ppp == PPP_IPV4 ? PacketView.ETHERTYPE_IPV4 : ppp == PPP_IPV6 ? PacketView.ETHERTYPE_IPV6
                        : 0;
                }
                default -> { // GENEVE, VXLAN
                    final PacketView ip = etherType < 0 ? scratch
                        : scratch.decodeNetwork(buffer, base + offset, length - offset, etherType);
                    final int udp = udpHeader(ip);
                    if (udp < 0)
                    {
                        return none(view, buffer, base);
                    }
                    final int tunnel = offset + udp + 8;
                    if (step == VXLAN)
                    {
                        offset = tunnel + 8;
                        link = PacketView.LINKTYPE_ETHERNET;
                        etherType = -1;
                    }
                    else
                    {
                        if (tunnel + 4 > length)
                        {
                            return none(view, buffer, base);
                        }
                        final int protocol = u16(buffer, base + tunnel + 2);
                        offset = tunnel + 8 + (buffer.getByte(base + tunnel) & 0x3f) * 4;
                        link = PacketView.LINKTYPE_ETHERNET;
                        etherType = protocol == ETHERTYPE_TEB ? -1 : protocol;
                    }
                }
            }
            tags = 0;
            if (offset > length)
            {
                return none(view, buffer, base);
            }
        }
        if (etherType >= 0)
        {
            return view.decodeNetwork(buffer, base + offset, length - offset, etherType);
        }
        return view.decode(buffer, base + offset, length - offset, link, tags);
    }

    /** After a label: IPv4 or IPv6 by the payload's first nibble if the label was the bottom one, else none. */
    private static int mplsPayloadType(final DirectBuffer buffer, final int base, final int length, final int payload)
    {
        if (payload < 2 || payload >= length)
        {
            return 0;
        }
        final boolean bottom = (buffer.getByte(base + payload - 2) & 1) != 0;
        final int version = (buffer.getByte(base + payload) & 0xf0) >>> 4;
        return !bottom ? 0 : version == 4 ? PacketView.ETHERTYPE_IPV4 : version == 6 ? PacketView.ETHERTYPE_IPV6 : 0;
    }

    /**
     * The UDP header's offset in {@code ip}'s frame, as libpcap finds it for GENEVE and VXLAN:
     * IPv4 with protocol 17 and fragment offset 0, or IPv6 whose fixed next header is 17; or -1.
     */
    static int udpHeader(final PacketView ip)
    {
        final int l3 = ip.networkOffset();
        if (ip.etherType() == PacketView.ETHERTYPE_IPV4)
        {
            if (!ip.fits(l3, 20) || ip.u8(l3 + 9) != PacketView.PROTO_UDP || (ip.u16(l3 + 6) & 0x1fff) != 0)
            {
                return -1;
            }
            return l3 + (ip.u8(l3) & 0x0f) * 4;
        }
        if (ip.etherType() == PacketView.ETHERTYPE_IPV6)
        {
            return ip.byteAt(l3 + 6) == PacketView.PROTO_UDP ? l3 + 40 : -1;
        }
        return -1;
    }

    private static PacketView none(final PacketView view, final DirectBuffer buffer, final int base)
    {
        return view.decode(buffer, base, 0, -1, 0);
    }

    private static int u16(final DirectBuffer buffer, final int at)
    {
        return buffer.getShort(at, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff;
    }
}
