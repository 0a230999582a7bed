package org.pipesfs.filters.expr;

import org.pipesfs.filters.decode.PacketView;

/**
 * One compiled node of an {@code expr=} filter. The implementations are the pcap-filter
 * primitives and the boolean operators; each is a small final class with the semantics of the
 * BPF code libpcap generates for it.
 */
public interface Matcher
{
    boolean test(ExprPacket packet);

    /** Runs {@code root} on a packet: false if any load went out of bounds. */
    static boolean run(final Matcher root, final ExprPacket packet)
    {
        final boolean matched = root.test(packet);
        return matched && !packet.aborted();
    }

    record And(Matcher left, Matcher right) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            return left.test(p) && right.test(p);
        }
    }

    record Or(Matcher left, Matcher right) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            return left.test(p) || right.test(p);
        }
    }

    record Not(Matcher inner) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            return !inner.test(p);
        }
    }

    /** {@code ip}, {@code ip6}, {@code arp}: the EtherType of the context's layer ({@link Layers}). */
    record EtherType(int context, int type) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            return p.view(context).etherType() == type;
        }
    }

    /**
     * {@code ip proto N} reads the header's protocol byte; {@code ip6 proto N} the fixed next
     * header, or the next header of a fragment header right after it (as libpcap does).
     */
    record IpProto(int context, int version, int protocol) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            final PacketView v = p.view(context);
            final int l3 = v.networkOffset();
            if (version == 4)
            {
                return v.etherType() == PacketView.ETHERTYPE_IPV4 && v.byteAt(l3 + 9) == protocol;
            }
            if (v.etherType() != PacketView.ETHERTYPE_IPV6)
            {
                return false;
            }
            final int next = v.byteAt(l3 + 6);
            return next == protocol || (next == 44 && v.byteAt(l3 + 40) == protocol);
        }
    }

    /** {@code vlan [id]}: a VLAN tag after the context's frame's tags. */
    record Vlan(int context, int id) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            final PacketView v = p.view(context);
            final int tags = Layers.tags(context);
            if (v.linkType() != PacketView.LINKTYPE_ETHERNET || !v.fits(12 + 4 * tags, 4))
            {
                return false;
            }
            final int type = v.u16(12 + 4 * tags);
            final boolean tagged = type == PacketView.ETHERTYPE_VLAN || type == PacketView.ETHERTYPE_QINQ
                || type == PacketView.ETHERTYPE_QINQ_OLD;
            return tagged && (id < 0 || (v.u16(14 + 4 * tags) & 0x0fff) == id);
        }
    }

    /**
     * {@code [src|dst] host|net ADDR [mask M]}: IPv4 addresses of IP and ARP packets, or IPv6
     * addresses, compared under a mask. {@code direction}: 0 either, 1 src, 2 dst.
     */
    record Address(int context, int direction, byte[] address, byte[] mask, boolean ip, boolean arp) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            final PacketView v = p.view(context);
            final int l3 = v.networkOffset();
            final int type = v.etherType();
            if (address.length == 16)
            {
                return type == PacketView.ETHERTYPE_IPV6 && matchEither(v, l3 + 8, l3 + 24);
            }
            if (ip && type == PacketView.ETHERTYPE_IPV4)
            {
                return matchEither(v, l3 + 12, l3 + 16);
            }
            if (arp && type == PacketView.ETHERTYPE_ARP)
            {
                return matchEither(v, l3 + 14, l3 + 24);
            }
            return false;
        }

        private boolean matchEither(final PacketView v, final int source, final int destination)
        {
            return (direction != 2 && matchAt(v, source)) || (direction != 1 && matchAt(v, destination));
        }

        private boolean matchAt(final PacketView v, final int at)
        {
            if (!v.fits(at, address.length))
            {
                return false;
            }
            for (int i = 0; i < address.length; i++)
            {
                final int m = mask[i] & 0xff;
                if ((v.u8(at + i) & m) != (address[i] & m))
                {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * {@code [tcp|udp] [src|dst] port N} and {@code portrange}: IPv4 first fragments and IPv6
     * packets whose fixed next header is TCP, UDP or SCTP (libpcap reads no extension headers
     * here). {@code protocol} -1 means any of the three.
     */
    record Port(int context, int direction, int protocol, int low, int high) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            final PacketView v = p.view(context);
            final int l3 = v.networkOffset();
            final int l4;
            final int next;
            if (v.etherType() == PacketView.ETHERTYPE_IPV4)
            {
                if (!v.fits(l3, 20))
                {
                    return false;
                }
                next = v.u8(l3 + 9);
                if (!accepts(next) || (v.u16(l3 + 6) & 0x1fff) != 0)
                {
                    return false;
                }
                l4 = l3 + (v.u8(l3) & 0x0f) * 4;
            }
            else if (v.etherType() == PacketView.ETHERTYPE_IPV6)
            {
                next = v.byteAt(l3 + 6);
                if (!accepts(next))
                {
                    return false;
                }
                l4 = l3 + 40;
            }
            else
            {
                return false;
            }
            if (!v.fits(l4, 4))
            {
                p.abort();
                return false;
            }
            final int source = v.u16(l4);
            final int destination = v.u16(l4 + 2);
            return (direction != 2 && source >= low && source <= high)
                || (direction != 1 && destination >= low && destination <= high);
        }

        private boolean accepts(final int next)
        {
            return protocol < 0 ? next == 6 || next == 17 || next == 132 : next == protocol;
        }
    }

    /** {@code VALUE OP VALUE}: {@code len > 100}, {@code tcp[tcpflags] & tcp-syn != 0}. */
    record Relation(Value left, int op, Value right) implements Matcher
    {
        static final int EQ = 0;
        static final int NE = 1;
        static final int LT = 2;
        static final int LE = 3;
        static final int GT = 4;
        static final int GE = 5;

        public boolean test(final ExprPacket p)
        {
            final long a = left.eval(p);
            if (a == Value.NO_VALUE)
            {
                return false;
            }
            final long b = right.eval(p);
            if (b == Value.NO_VALUE)
            {
                return false;
            }
            return switch (op)
            {
                case EQ -> a == b;
                case NE -> a != b;
                case LT -> a < b;
                case LE -> a <= b;
                case GT -> a > b;
                default -> a >= b;
            };
        }
    }
}
