package org.pipesfs.nic.synthetic;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Writes protocol headers in network byte order, with correct checksums, straight into slot
 * memory. Callers write the payload first and the headers last, innermost first, so each
 * checksum covers bytes already in place. Stateless; allocation-free.
 */
final class PacketWriter
{
    static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    static final int ETH_HEADER = 14;
    static final int VLAN_TAG = 4;
    static final int IPV4_HEADER = 20;
    static final int IPV6_HEADER = 40;
    static final int TCP_HEADER = 20;
    static final int UDP_HEADER = 8;
    static final int ICMP_HEADER = 8;
    static final int ARP_PAYLOAD = 28;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;
    static final int ETHERTYPE_VLAN = 0x8100;
    static final int ETHERTYPE_IPV6 = 0x86dd;
    static final int PROTO_ICMP = 1;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    static final int PROTO_ICMPV6 = 58;
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    private PacketWriter()
    {
    }

    /** Ethernet II header; {@code dstMac}/{@code srcMac} are the low 48 bits. */
    static void ethernet(final MutableDirectBuffer b, final int off, final long dstMac, final long srcMac, final int type)
    {
        putMac(b, off, dstMac);
        putMac(b, off + 6, srcMac);
        b.putShort(off + 12, (short)type, NET);
    }

    /** Ethernet with one 802.1Q tag. */
    static void ethernetVlan(
        final MutableDirectBuffer b, final int off, final long dstMac, final long srcMac, final int vlan, final int type)
    {
        putMac(b, off, dstMac);
        putMac(b, off + 6, srcMac);
        b.putShort(off + 12, (short)ETHERTYPE_VLAN, NET);
        b.putShort(off + 14, (short)(vlan & 0x0fff), NET);
        b.putShort(off + 16, (short)type, NET);
    }

    static void ipv4(
        final MutableDirectBuffer b,
        final int off,
        final int src,
        final int dst,
        final int protocol,
        final int payloadLength,
        final int id,
        final int ttl)
    {
        b.putByte(off, (byte)0x45);
        b.putByte(off + 1, (byte)0);
        b.putShort(off + 2, (short)(IPV4_HEADER + payloadLength), NET);
        b.putShort(off + 4, (short)id, NET);
        b.putShort(off + 6, (short)0x4000, NET);
        b.putByte(off + 8, (byte)ttl);
        b.putByte(off + 9, (byte)protocol);
        b.putShort(off + 10, (short)0, NET);
        b.putInt(off + 12, src, NET);
        b.putInt(off + 16, dst, NET);
        b.putShort(off + 10, (short)fold(sum(b, off, IPV4_HEADER, 0)), NET);
    }

    /** IPv6 header; addresses are two longs each (high, low). */
    static void ipv6(
        final MutableDirectBuffer b,
        final int off,
        final long srcHi,
        final long srcLo,
        final long dstHi,
        final long dstLo,
        final int nextHeader,
        final int payloadLength,
        final int hopLimit)
    {
        b.putInt(off, 0x60000000, NET);
        b.putShort(off + 4, (short)payloadLength, NET);
        b.putByte(off + 6, (byte)nextHeader);
        b.putByte(off + 7, (byte)hopLimit);
        b.putLong(off + 8, srcHi, NET);
        b.putLong(off + 16, srcLo, NET);
        b.putLong(off + 24, dstHi, NET);
        b.putLong(off + 32, dstLo, NET);
    }

    /** TCP header (20 bytes, or 24 with an MSS option on SYNs); payload already in place. */
    static int tcp(
        final MutableDirectBuffer b,
        final int off,
        final int sport,
        final int dport,
        final long seq,
        final long ack,
        final int flags,
        final int window,
        final boolean mss,
        final int payloadLength)
    {
        final int headerLength = mss ? TCP_HEADER + 4 : TCP_HEADER;
        b.putShort(off, (short)sport, NET);
        b.putShort(off + 2, (short)dport, NET);
        b.putInt(off + 4, (int)seq, NET);
        b.putInt(off + 8, (int)ack, NET);
        b.putByte(off + 12, (byte)((headerLength / 4) << 4));
        b.putByte(off + 13, (byte)flags);
        b.putShort(off + 14, (short)window, NET);
        b.putShort(off + 16, (short)0, NET);
        b.putShort(off + 18, (short)0, NET);
        if (mss)
        {
            b.putByte(off + 20, (byte)2);
            b.putByte(off + 21, (byte)4);
            b.putShort(off + 22, (short)1460, NET);
        }
        return headerLength;
    }

    static void udp(final MutableDirectBuffer b, final int off, final int sport, final int dport, final int payloadLength)
    {
        b.putShort(off, (short)sport, NET);
        b.putShort(off + 2, (short)dport, NET);
        b.putShort(off + 4, (short)(UDP_HEADER + payloadLength), NET);
        b.putShort(off + 6, (short)0, NET);
    }

    /** Fills the TCP or UDP checksum of an IPv4 packet whose L4 segment starts at {@code l4}. */
    static void l4ChecksumV4(
        final MutableDirectBuffer b, final int l4, final int length, final int src, final int dst, final int protocol)
    {
        l4ChecksumV4(b, l4, length, src, dst, protocol, 0, 0);
    }

    /**
     * As {@link #l4ChecksumV4(MutableDirectBuffer, int, int, int, int, int)}, for a segment whose
     * last {@code tail} bytes sum (as 16-bit words aligned to {@code l4}) to {@code tailSum},
     * known without reading them.
     */
    static void l4ChecksumV4(
        final MutableDirectBuffer b, final int l4, final int length, final int src, final int dst, final int protocol,
        final int tail, final long tailSum)
    {
        long s = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
        s = sum(b, l4, length - tail, s) + tailSum;
        int checksum = fold(s);
        if (protocol == PROTO_UDP && checksum == 0)
        {
            checksum = 0xffff;
        }
        b.putShort(l4 + (protocol == PROTO_TCP ? 16 : 6), (short)checksum, NET);
    }

    /** Fills the TCP, UDP or ICMPv6 checksum of an IPv6 packet. */
    static void l4ChecksumV6(
        final MutableDirectBuffer b, final int ip6, final int l4, final int length, final int protocol)
    {
        l4ChecksumV6(b, ip6, l4, length, protocol, 0, 0);
    }

    /** The IPv6 form of the known-tail checksum above. */
    static void l4ChecksumV6(
        final MutableDirectBuffer b, final int ip6, final int l4, final int length, final int protocol, final int tail,
        final long tailSum)
    {
        long s = sum(b, ip6 + 8, 32, 0) + protocol + length;
        s = sum(b, l4, length - tail, s) + tailSum;
        int checksum = fold(s);
        if (protocol == PROTO_UDP && checksum == 0)
        {
            checksum = 0xffff;
        }
        final int at = protocol == PROTO_TCP ? 16 : protocol == PROTO_UDP ? 6 : 2;
        b.putShort(l4 + at, (short)checksum, NET);
    }

    /** ICMP (v4) echo header plus checksum over header and payload already in place. */
    static void icmpEcho(
        final MutableDirectBuffer b, final int off, final int type, final int id, final int seq, final int payloadLength)
    {
        b.putByte(off, (byte)type);
        b.putByte(off + 1, (byte)0);
        b.putShort(off + 2, (short)0, NET);
        b.putShort(off + 4, (short)id, NET);
        b.putShort(off + 6, (short)seq, NET);
        b.putShort(off + 2, (short)fold(sum(b, off, ICMP_HEADER + payloadLength, 0)), NET);
    }

    /** ICMPv6 echo header; its checksum needs the pseudo-header, see {@link #l4ChecksumV6}. */
    static void icmp6Echo(final MutableDirectBuffer b, final int off, final int type, final int id, final int seq)
    {
        b.putByte(off, (byte)type);
        b.putByte(off + 1, (byte)0);
        b.putShort(off + 2, (short)0, NET);
        b.putShort(off + 4, (short)id, NET);
        b.putShort(off + 6, (short)seq, NET);
    }

    /** ARP for IPv4 over Ethernet; {@code op} 1 = request, 2 = reply. */
    static void arp(
        final MutableDirectBuffer b,
        final int off,
        final int op,
        final long senderMac,
        final int senderIp,
        final long targetMac,
        final int targetIp)
    {
        b.putShort(off, (short)1, NET);
        b.putShort(off + 2, (short)ETHERTYPE_IPV4, NET);
        b.putByte(off + 4, (byte)6);
        b.putByte(off + 5, (byte)4);
        b.putShort(off + 6, (short)op, NET);
        putMac(b, off + 8, senderMac);
        b.putInt(off + 14, senderIp, NET);
        putMac(b, off + 18, targetMac);
        b.putInt(off + 24, targetIp, NET);
    }

    static void putMac(final MutableDirectBuffer b, final int off, final long mac)
    {
        b.putShort(off, (short)(mac >>> 32), NET);
        b.putInt(off + 2, (int)mac, NET);
    }

    /**
     * One's-complement partial sum of 16-bit big-endian words, read four bytes at a time: a
     * 32-bit word adds its two halves at once, since 2^16 is 1 modulo 2^16 - 1, and
     * {@link #fold} carries what overflows back in.
     */
    static long sum(final MutableDirectBuffer b, final int off, final int length, final long initial)
    {
        long s = initial;
        int i = 0;
        for (; i + 3 < length; i += 4)
        {
            s += b.getInt(off + i, NET) & 0xffffffffL;
        }
        for (; i + 1 < length; i += 2)
        {
            s += b.getShort(off + i, NET) & 0xffff;
        }
        if (i < length)
        {
            s += (b.getByte(off + i) & 0xff) << 8;
        }
        return s;
    }

    static int fold(final long partial)
    {
        long s = partial;
        while ((s >>> 16) != 0)
        {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int)(~s & 0xffff);
    }
}
