package org.pipesfs.filters.decode;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * One frame decoded in place: the offsets of its layers and the few fields filters test, read
 * straight from the slot with every access bounds-checked against the captured length. Hostile
 * input never throws: a layer that does not fit is simply absent (offset -1).
 *
 * <p>Offsets are relative to the frame's first byte. Link types: Ethernet (1) with 802.1Q,
 * 802.1ad and QinQ tags; raw IP (101, 12, 14); Linux cooked v1 (113) and v2 (276); BSD
 * loopback NULL (0, host order) and LOOP (108, network order). IPv4 with options and fragments
 * (only the first fragment has ports); IPv6 with hop-by-hop, routing, fragment, destination
 * options and AH headers; TCP, UDP, ICMP, ICMPv6; ARP.
 *
 * <p>VLAN handling has two modes. {@link #TRANSPARENT} looks through up to two tags, as our
 * directory filters do. A non-negative count treats that many tags as present whatever they
 * hold, as pcap-filter does after its {@code vlan} keyword, so {@code expr=} agrees with tcpdump.
 *
 * <p>Single-threaded and reused: {@link #decode} resets everything; nothing is allocated.
 */
public final class PacketView
{
    public static final int TRANSPARENT = -1;
    public static final int LINKTYPE_NULL = 0;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int LINKTYPE_RAW_12 = 12;
    public static final int LINKTYPE_RAW_14 = 14;
    public static final int LINKTYPE_RAW = 101;
    public static final int LINKTYPE_LOOP = 108;
    public static final int LINKTYPE_LINUX_SLL = 113;
    public static final int LINKTYPE_LINUX_SLL2 = 276;
    /**
     * DLT_USER0: what a write to a node's {@code all} carries. The whole element is application
     * payload (a line of text, say), with no headers.
     */
    public static final int LINKTYPE_USER0 = 147;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_IPV6 = 0x86dd;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88a8;
    public static final int ETHERTYPE_QINQ_OLD = 0x9100;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    private static final int MAX_EXTENSION_HEADERS = 8;

    private DirectBuffer buffer;
    private int base;
    private int length;
    private int originalLength;
    private int linkType;

    private int etherType;
    private int vlanTags;
    private int firstVlanId;
    private int l3;
    private int l3End;
    private int ipVersion;
    private int protocol;
    private int ipHeaderLength;
    private boolean fragment;
    private boolean laterFragment;
    private int l4;
    private int l4End;
    private int sourcePort;
    private int destinationPort;
    private int tcpFlags;
    private int icmpType;
    private int payload;
    private int payloadEnd;
    private long flow = -1;
    private int shift;

    /** Decodes the frame at {@code buffer[base, base + length)}. */
    public PacketView decode(final DirectBuffer buffer, final int base, final int length, final int linkType, final int vlanMode)
    {
        this.buffer = buffer;
        this.base = base;
        this.length = Math.max(0, length);
        this.originalLength = this.length;
        this.linkType = linkType;
        etherType = -1;
        vlanTags = 0;
        firstVlanId = -1;
        l3 = -1;
        l3End = -1;
        ipVersion = 0;
        protocol = -1;
        ipHeaderLength = 0;
        fragment = false;
        laterFragment = false;
        l4 = -1;
        l4End = -1;
        sourcePort = -1;
        destinationPort = -1;
        tcpFlags = -1;
        icmpType = -1;
        payload = -1;
        payloadEnd = -1;
        flow = -1;
        shift = 0;
        decodeLink(vlanMode);
        return this;
    }

    /**
     * Decodes a network packet that has no link header, whose type something around it gave
     * (an MPLS payload, a PPP protocol, a GENEVE protocol type): {@code etherType} at offset 0.
     * Its link type reads as raw IP.
     */
    public PacketView decodeNetwork(final DirectBuffer buffer, final int base, final int length, final int etherType)
    {
        decode(buffer, base, length, -1, 0);
        linkType = LINKTYPE_RAW;
        network(etherType, 0);
        return this;
    }

    private void decodeLink(final int vlanMode)
    {
        int offset;
        int type;
        switch (linkType)
        {
            case LINKTYPE_ETHERNET -> {
                if (!fits(0, 14))
                {
                    return;
                }
                type = u16(12);
                offset = 14;
                // transparent: through up to two tags; counted: exactly that many, whatever they hold
                final boolean transparent = vlanMode == TRANSPARENT;
                final int tags = transparent ? 2 : vlanMode;
                while (vlanTags < tags && (!transparent || isVlan(type)))
                {
                    if (!fits(offset, 4))
                    {
                        if (transparent)
                        {
                            break;
                        }
                        return;
                    }
                    if (vlanTags == 0)
                    {
                        firstVlanId = u16(offset) & 0x0fff;
                    }
                    type = u16(offset + 2);
                    offset += 4;
                    vlanTags++;
                }
            }
            case LINKTYPE_RAW, LINKTYPE_RAW_12, LINKTYPE_RAW_14 -> {
                if (!fits(0, 1))
                {
                    return;
                }
                final int version = u8(0) >>> 4;
                type = version == 4 ? ETHERTYPE_IPV4 : version == 6 ? ETHERTYPE_IPV6 : -1;
                offset = 0;
            }
            case LINKTYPE_NULL, LINKTYPE_LOOP -> {
                if (!fits(0, 4))
                {
                    return;
                }
                int family = buffer.getInt(base, linkType == LINKTYPE_LOOP ? NET : ByteOrder.LITTLE_ENDIAN);
                if (linkType == LINKTYPE_NULL && (family & 0xffff0000) != 0)
                {
                    family = Integer.reverseBytes(family);
                }
                type = family == 2 ? ETHERTYPE_IPV4 : family == 24 || family == 28 || family == 30 ? ETHERTYPE_IPV6 : -1;
                offset = 4;
            }
            case LINKTYPE_LINUX_SLL -> {
                if (!fits(0, 16))
                {
                    return;
                }
                type = u16(14);
                offset = 16;
            }
            case LINKTYPE_LINUX_SLL2 -> {
                if (!fits(0, 20))
                {
                    return;
                }
                type = u16(0);
                offset = 20;
            }
            case LINKTYPE_USER0 -> {
                payload = 0;
                payloadEnd = length;
                return;
            }
            default -> {
                return;
            }
        }
        network(type, offset);
    }

    /** The network layer: EtherType {@code type} at {@code offset}. */
    private void network(final int type, final int offset)
    {
        etherType = type;
        l3 = offset;
        l3End = length;
        if (type == ETHERTYPE_IPV4)
        {
            decodeIpv4(offset);
        }
        else if (type == ETHERTYPE_IPV6)
        {
            decodeIpv6(offset);
        }
    }

    private void decodeIpv4(final int at)
    {
        if (!fits(at, 20) || (u8(at) >>> 4) != 4)
        {
            return;
        }
        final int headerLength = (u8(at) & 0x0f) * 4;
        final int total = u16(at + 2);
        if (headerLength < 20 || !fits(at, headerLength))
        {
            return;
        }
        ipVersion = 4;
        ipHeaderLength = headerLength;
        l3End = total >= headerLength ? Math.min(length, at + total) : length;
        protocol = u8(at + 9);
        final int flagsAndOffset = u16(at + 6);
        final int fragmentOffset = flagsAndOffset & 0x1fff;
        fragment = fragmentOffset != 0 || (flagsAndOffset & 0x2000) != 0;
        laterFragment = fragmentOffset != 0;
        if (!laterFragment)
        {
            decodeTransport(at + headerLength);
        }
    }

    private void decodeIpv6(final int at)
    {
        if (!fits(at, 40) || (u8(at) >>> 4) != 6)
        {
            return;
        }
        ipVersion = 6;
        ipHeaderLength = 40;
        final int payloadLength = u16(at + 4);
        l3End = payloadLength == 0 ? length : Math.min(length, at + 40 + payloadLength);
        int next = u8(at + 6);
        int offset = at + 40;
        for (int i = 0; i < MAX_EXTENSION_HEADERS; i++)
        {
            if (next == 0 || next == 43 || next == 60)
            {
                if (!fits(offset, 8))
                {
                    protocol = next;
                    return;
                }
                final int following = u8(offset);
                offset += (u8(offset + 1) + 1) * 8;
                next = following;
            }
            else if (next == 44)
            {
                if (!fits(offset, 8))
                {
                    protocol = next;
                    return;
                }
                final int fields = u16(offset + 2);
                fragment = true;
                laterFragment = (fields >>> 3) != 0;
                next = u8(offset);
                offset += 8;
            }
            else if (next == 51)
            {
                if (!fits(offset, 8))
                {
                    protocol = next;
                    return;
                }
                final int following = u8(offset);
                offset += (u8(offset + 1) + 2) * 4;
                next = following;
            }
            else
            {
                break;
            }
        }
        protocol = next;
        if (!laterFragment)
        {
            decodeTransport(offset);
        }
    }

    private void decodeTransport(final int at)
    {
        if (at > l3End || at > length)
        {
            return;
        }
        l4 = at;
        l4End = l3End;
        switch (protocol)
        {
            case PROTO_TCP -> {
                if (fits(at, 4))
                {
                    sourcePort = u16(at);
                    destinationPort = u16(at + 2);
                }
                if (fits(at, 20))
                {
                    tcpFlags = u8(at + 13);
                    final int dataOffset = (u8(at + 12) >>> 4) * 4;
                    if (dataOffset >= 20 && at + dataOffset <= l4End)
                    {
                        payload = at + dataOffset;
                        payloadEnd = l4End;
                    }
                }
            }
            case PROTO_UDP -> {
                if (fits(at, 4))
                {
                    sourcePort = u16(at);
                    destinationPort = u16(at + 2);
                }
                if (at + 8 <= l4End)
                {
                    payload = at + 8;
                    payloadEnd = l4End;
                }
            }
            case PROTO_ICMP, PROTO_ICMPV6 -> {
                if (fits(at, 1))
                {
                    icmpType = u8(at);
                }
            }
            default -> {
                // other transports: the view ends at the network layer's payload
            }
        }
    }

    private static boolean isVlan(final int type)
    {
        return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD;
    }

    // ---- bounds-checked access --------------------------------------------------------

    public boolean fits(final int offset, final int count)
    {
        return offset >= 0 && count >= 0 && offset <= length - count;
    }

    public int u8(final int offset)
    {
        return buffer.getByte(base + offset) & 0xff;
    }

    public int u16(final int offset)
    {
        return buffer.getShort(base + offset, NET) & 0xffff;
    }

    public int s32(final int offset)
    {
        return buffer.getInt(base + offset, NET);
    }

    /** Byte at {@code offset}, or -1 beyond the captured bytes. */
    public int byteAt(final int offset)
    {
        return fits(offset, 1) ? u8(offset) : -1;
    }

    // ---- decoded fields -----------------------------------------------------------------

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int base()
    {
        return base;
    }

    public int length()
    {
        return length;
    }

    public int linkType()
    {
        return linkType;
    }

    /** Length on the wire; the captured length unless {@link #originalLength(int)} said otherwise. */
    public int originalLength()
    {
        return originalLength;
    }

    /** Records the frame's length on the wire, for {@code len}; call after {@link #decode}. */
    public PacketView originalLength(final int wireLength)
    {
        originalLength = Math.max(length, wireLength);
        return this;
    }

    /** The network protocol (EtherType) after any VLAN tags, or -1. */
    public int etherType()
    {
        return etherType;
    }

    public int vlanTags()
    {
        return vlanTags;
    }

    public int firstVlanId()
    {
        return firstVlanId;
    }

    public boolean isArp()
    {
        return etherType == ETHERTYPE_ARP && fits(l3, 28);
    }

    /** 4, 6, or 0 when there is no well-formed IP header. */
    public int ipVersion()
    {
        return ipVersion;
    }

    public int protocol()
    {
        return protocol;
    }

    public int networkOffset()
    {
        return l3;
    }

    public int networkEnd()
    {
        return l3End;
    }

    public int ipHeaderLength()
    {
        return ipHeaderLength;
    }

    public boolean isFragment()
    {
        return fragment;
    }

    /** A fragment other than the first: it carries no transport header. */
    public boolean isLaterFragment()
    {
        return laterFragment;
    }

    /** Offset of the transport header, or -1 (none, or not the first fragment). */
    public int transportOffset()
    {
        return l4;
    }

    public int transportEnd()
    {
        return l4End;
    }

    public int sourcePort()
    {
        return sourcePort;
    }

    public int destinationPort()
    {
        return destinationPort;
    }

    public int tcpFlags()
    {
        return tcpFlags;
    }

    public int icmpType()
    {
        return icmpType;
    }

    /** True for a written element that is all payload ({@link #LINKTYPE_USER0}). */
    public boolean isPayloadOnly()
    {
        return linkType == LINKTYPE_USER0;
    }

    /**
     * The reassembled flow a payload-only element belongs to ({@code stream} sets it), or -1:
     * lets a classifier under {@code stream} carry a request on across segments.
     */
    public long flow()
    {
        return flow;
    }

    public PacketView flow(final long flowId)
    {
        flow = flowId;
        return this;
    }

    /**
     * Where this decoded frame starts in its record's frame: 0, unless it is a piece of the
     * record or a frame found inside a tunnel. Offsets in index entries are the record's.
     */
    public int shift()
    {
        return shift;
    }

    /** Records {@link #shift()}; call after {@link #decode}. */
    public PacketView shift(final int bytes)
    {
        shift = bytes;
        return this;
    }

    /** Offset of the application payload (after TCP/UDP headers), or -1. */
    public int payloadOffset()
    {
        return payload;
    }

    public int payloadEnd()
    {
        return payloadEnd;
    }

    public int payloadLength()
    {
        return payload < 0 ? 0 : Math.max(0, Math.min(payloadEnd, length) - payload);
    }

    /** Offset of the IPv4 source address (4 bytes) or IPv6 source (16 bytes), or of ARP's sender IP. */
    public int sourceAddressOffset()
    {
        return ipVersion == 4 ? l3 + 12 : ipVersion == 6 ? l3 + 8 : isArp() ? l3 + 14 : -1;
    }

    public int destinationAddressOffset()
    {
        return ipVersion == 4 ? l3 + 16 : ipVersion == 6 ? l3 + 24 : isArp() ? l3 + 24 : -1;
    }

    /** Address width in bytes at {@link #sourceAddressOffset()}: 4, 16, or 0. */
    public int addressLength()
    {
        return ipVersion == 6 ? 16 : ipVersion == 4 || isArp() ? 4 : 0;
    }
}
