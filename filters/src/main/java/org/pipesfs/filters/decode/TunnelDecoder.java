package org.pipesfs.filters.decode;

/**
 * Finds the innermost packet of a frame by stripping the encapsulations it knows: 802.1Q and
 * 802.1ad tag stacks, MPLS label stacks, PPPoE sessions, IP in IP, GRE (version 0, with
 * checksum, key and sequence), VXLAN (UDP 4789), GENEVE (6081), GTP-U (2152) and L2TPv2 data
 * messages (1701), nested to any depth up to {@link #MAX_LAYERS}. The result is an offset into
 * the frame and a link type: Ethernet where the innermost layer is an Ethernet frame (VXLAN,
 * GENEVE, transparent-Ethernet GRE), raw IP otherwise.
 *
 * <p>A frame with nothing to strip is {@link #PLAIN}. A tunnel header that claims more than
 * the frame holds, or is not what its port or type says, is {@link #MALFORMED}: every access
 * is bounds-checked, so a hostile frame is never read past its end. A tunnel whose payload is
 * not a packet (PPP control messages, L2TP control, GTP signalling) ends the walk at the last
 * packet found. IP layers are read by a {@link PacketView}, the same decoder the filters use.
 *
 * <p>Single-threaded and reused: {@link #decode} resets everything; nothing is allocated.
 */
public final class TunnelDecoder
{
    public static final int PLAIN = 0;
    public static final int FOUND = 1;
    public static final int MALFORMED = -1;
    public static final int MAX_LAYERS = 16;
    public static final int PORT_VXLAN = 4789;
    public static final int PORT_GENEVE = 6081;
    public static final int PORT_GTP_U = 2152;
    public static final int PORT_L2TP = 1701;
    public static final int ETHERTYPE_MPLS = 0x8847;
    public static final int ETHERTYPE_MPLS_MULTICAST = 0x8848;
    public static final int ETHERTYPE_PPPOE_SESSION = 0x8864;
    public static final int ETHERTYPE_TRANSPARENT_ETHERNET = 0x6558;
    private static final int PROTO_IPIP = 4;
    private static final int PROTO_IPV6 = 41;
    private static final int PROTO_GRE = 47;
    public static final int PPP_IPV4 = 0x0021;
    public static final int PPP_IPV6 = 0x0057;
    private static final int ETHERNET_HEADER = 14;
    private static final int MAX_LABELS = 16;

    private final PacketView ip = new PacketView();
    private PacketView frame;
    private int innerOffset;
    private int innerLinkType;
    /** Layers walked: a bound on the walk, whatever the frame claims. */
    private int layers;

    /**
     * Walks {@code packet}'s frame (already decoded) down to its innermost packet.
     *
     * @return {@link #PLAIN}, {@link #FOUND} (see {@link #innerOffset()}) or {@link #MALFORMED}.
     */
    public int decode(final PacketView packet)
    {
        frame = packet;
        innerOffset = 0;
        innerLinkType = packet.linkType();
        layers = 0;
        final int result;
        if (packet.linkType() == PacketView.LINKTYPE_ETHERNET)
        {
            result = packet.fits(0, ETHERNET_HEADER) ? etherPayload(packet.u16(12), ETHERNET_HEADER, false) : PLAIN;
        }
        else if (packet.ipVersion() != 0)
        {
            // Other link types: the inner packet is at least the IP packet, so that every frame
            // under decap has a link type a pcap file can say (Ethernet, or raw IP).
            result = ipPacket(packet.networkOffset(), packet.networkOffset() > 0);
        }
        else
        {
            result = PLAIN;
        }
        if (result == MALFORMED)
        {
            return MALFORMED;
        }
        return innerOffset == 0 && innerLinkType == packet.linkType() ? PLAIN : FOUND;
    }

    /** Where the innermost packet starts in the frame. */
    public int innerOffset()
    {
        return innerOffset;
    }

    /** {@link PacketView#LINKTYPE_ETHERNET} or {@link PacketView#LINKTYPE_RAW}. */
    public int innerLinkType()
    {
        return innerLinkType;
    }

    /** The payload of an Ethernet header (or of a tag, label stack or tunnel) with this EtherType. */
    private int etherPayload(final int etherType, final int at, final boolean inTunnel)
    {
        if (++layers > MAX_LAYERS)
        {
            return MALFORMED;
        }
        switch (etherType)
        {
            case PacketView.ETHERTYPE_VLAN, PacketView.ETHERTYPE_QINQ, PacketView.ETHERTYPE_QINQ_OLD -> {
                return frame.fits(at, 4) ? etherPayload(frame.u16(at + 2), at + 4, true) : MALFORMED;
            }
            case ETHERTYPE_MPLS, ETHERTYPE_MPLS_MULTICAST -> {
                return mpls(at);
            }
            case ETHERTYPE_PPPOE_SESSION -> {
                if (!frame.fits(at, 8) || frame.u8(at) != 0x11 || frame.u8(at + 1) != 0)
                {
                    return MALFORMED;
                }
                return ppp(at + 6);
            }
            case PacketView.ETHERTYPE_IPV4, PacketView.ETHERTYPE_IPV6 -> {
                return ipPacket(at, inTunnel);
            }
            default -> {
                return FOUND;
            }
        }
    }

    private int mpls(final int first)
    {
        int at = first;
        for (int label = 0; ; label++)
        {
            if (label == MAX_LABELS || !frame.fits(at, 4))
            {
                return MALFORMED;
            }
            final boolean bottom = (frame.u8(at + 2) & 1) != 0;
            at += 4;
            if (bottom)
            {
                break;
            }
        }
        return ipByVersion(at);
    }

    /** A packet whose type is only its first nibble (MPLS, GTP-U): IP, or the end of the walk. */
    private int ipByVersion(final int at)
    {
        if (!frame.fits(at, 1))
        {
            return MALFORMED;
        }
        final int version = frame.u8(at) >>> 4;
        return version == 4 || version == 6 ? ipPacket(at, true) : FOUND;
    }

    /** PPP, after PPPoE or L2TP: address and control bytes optional, protocol field maybe compressed. */
    private int ppp(final int first)
    {
        int at = first;
        if (frame.fits(at, 2) && frame.u16(at) == 0xff03)
        {
            at += 2;
        }
        if (!frame.fits(at, 1))
        {
            return MALFORMED;
        }
        final int protocol;
        if ((frame.u8(at) & 1) != 0)
        {
            protocol = frame.u8(at);
            at += 1;
        }
        else
        {
            if (!frame.fits(at, 2))
            {
                return MALFORMED;
            }
            protocol = frame.u16(at);
            at += 2;
        }
        if (protocol == PPP_IPV4 || protocol == PPP_IPV6)
        {
            return ipPacket(at, true);
        }
        return FOUND;
    }

    /** An IP packet at {@code at}: the innermost so far if it is inside a tunnel; then what it carries. */
    private int ipPacket(final int at, final boolean inTunnel)
    {
        if (inTunnel)
        {
            if (!frame.fits(at, 1))
            {
                return MALFORMED;
            }
            innerOffset = at;
            innerLinkType = PacketView.LINKTYPE_RAW;
        }
        // The frame's own network layer is decoded already: offsets in it are the frame's.
        final boolean own = at == frame.networkOffset();
        final PacketView p = own ? frame : ip.decode(frame.buffer(), frame.base() + at, frame.length() - at,
            PacketView.LINKTYPE_RAW, PacketView.TRANSPARENT);
        if (p.ipVersion() == 0 || p.isFragment() || p.transportOffset() < 0)
        {
            return FOUND;
        }
        final int l4 = (own ? 0 : at) + p.transportOffset();
        switch (p.protocol())
        {
            case PROTO_IPIP -> {
                return etherPayload(PacketView.ETHERTYPE_IPV4, l4, true);
            }
            case PROTO_IPV6 -> {
                return etherPayload(PacketView.ETHERTYPE_IPV6, l4, true);
            }
            case PROTO_GRE -> {
                return gre(l4);
            }
            case PacketView.PROTO_UDP -> {
                return udp(l4, p.sourcePort(), p.destinationPort());
            }
            default -> {
                return FOUND;
            }
        }
    }

    private int gre(final int at)
    {
        if (!frame.fits(at, 4))
        {
            return MALFORMED;
        }
        final int flags = frame.u16(at);
        if ((flags & 0x7) != 0)
        {
            return FOUND; // enhanced GRE (PPTP) and later versions: not stripped
        }
        if ((flags & 0x4000) != 0)
        {
            return MALFORMED; // source routing: deprecated (RFC 2784)
        }
        final int header = 4 + ((flags & 0x8000) != 0 ? 4 : 0) + ((flags & 0x2000) != 0 ? 4 : 0)
            + ((flags & 0x1000) != 0 ? 4 : 0);
        final int type = frame.u16(at + 2);
        if (!frame.fits(at, header + 1))
        {
            return MALFORMED;
        }
        return type == ETHERTYPE_TRANSPARENT_ETHERNET ? ethernet(at + header) : etherPayload(type, at + header, true);
    }

    private int udp(final int at, final int sourcePort, final int destinationPort)
    {
        final int payload = at + 8;
        if (isPort(PORT_VXLAN, sourcePort, destinationPort))
        {
            // flags: the I bit says the VNI is valid; the rest are reserved
            if (!frame.fits(payload, 8) || (frame.u8(payload) & 0x08) == 0)
            {
                return MALFORMED;
            }
            return ethernet(payload + 8);
        }
        if (isPort(PORT_GENEVE, sourcePort, destinationPort))
        {
            if (!frame.fits(payload, 8) || (frame.u8(payload) >>> 6) != 0)
            {
                return MALFORMED;
            }
            final int next = payload + 8 + (frame.u8(payload) & 0x3f) * 4;
            final int type = frame.u16(payload + 2);
            if (!frame.fits(next, 1))
            {
                return MALFORMED;
            }
            return type == ETHERTYPE_TRANSPARENT_ETHERNET ? ethernet(next) : etherPayload(type, next, true);
        }
        if (isPort(PORT_GTP_U, sourcePort, destinationPort))
        {
            return gtpU(payload);
        }
        if (isPort(PORT_L2TP, sourcePort, destinationPort))
        {
            return l2tp(payload);
        }
        return FOUND;
    }

    private static boolean isPort(final int port, final int sourcePort, final int destinationPort)
    {
        return sourcePort == port || destinationPort == port;
    }

    private int gtpU(final int at)
    {
        if (!frame.fits(at, 8))
        {
            return MALFORMED;
        }
        final int flags = frame.u8(at);
        if ((flags >>> 5) != 1 || (flags & 0x10) == 0 || frame.u8(at + 1) != 0xff)
        {
            return FOUND; // GTP' or a signalling message: no user packet inside
        }
        int header = 8;
        if ((flags & 0x07) != 0)
        {
            if (!frame.fits(at, 12))
            {
                return MALFORMED;
            }
            header = 12;
            int next = (flags & 0x04) != 0 ? frame.u8(at + 11) : 0;
            while (next != 0)
            {
                if (!frame.fits(at + header, 1))
                {
                    return MALFORMED;
                }
                final int length = frame.u8(at + header) * 4;
                if (length == 0 || !frame.fits(at + header, length) || ++layers > MAX_LAYERS)
                {
                    return MALFORMED;
                }
                next = frame.u8(at + header + length - 1);
                header += length;
            }
        }
        return ipByVersion(at + header);
    }

    private int l2tp(final int at)
    {
        if (!frame.fits(at, 2))
        {
            return MALFORMED;
        }
        final int flags = frame.u16(at);
        if ((flags & 0x8000) != 0 || (flags & 0xf) != 2)
        {
            return FOUND; // control messages, and versions other than 2
        }
        int header = 2 + ((flags & 0x4000) != 0 ? 2 : 0) + 4 + ((flags & 0x0800) != 0 ? 4 : 0);
        if ((flags & 0x0200) != 0)
        {
            if (!frame.fits(at + header, 2))
            {
                return MALFORMED;
            }
            header += 2 + frame.u16(at + header);
        }
        return frame.fits(at + header, 1) ? ppp(at + header) : MALFORMED;
    }

    /** An Ethernet frame inside a tunnel: the innermost so far, then what it carries. */
    private int ethernet(final int at)
    {
        if (!frame.fits(at, ETHERNET_HEADER))
        {
            return MALFORMED;
        }
        innerOffset = at;
        innerLinkType = PacketView.LINKTYPE_ETHERNET;
        return etherPayload(frame.u16(at + 12), at + ETHERNET_HEADER, false);
    }
}
