package org.pipesfs.filters.expr;

import org.pipesfs.filters.decode.PacketView;

/**
 * An arithmetic operand of a pcap-filter relation: a constant, {@code len}, a packet load such
 * as {@code tcp[13]}, or a binary operation. Values are unsigned 32-bit, as in BPF.
 */
interface Value
{
    /** The operand does not exist for this packet (e.g. tcp[13] of a UDP packet): the relation is false. */
    long NO_VALUE = Long.MIN_VALUE;

    long eval(ExprPacket packet);

    record Constant(long value) implements Value
    {
        public long eval(final ExprPacket p)
        {
            return value;
        }
    }

    /** {@code len}: the packet's original (wire) length, as BPF's {@code len}. */
    record Length() implements Value
    {
        public long eval(final ExprPacket p)
        {
            return p.originalLength() & 0xffffffffL;
        }
    }

    record Binary(Value left, char op, Value right) implements Value
    {
        public long eval(final ExprPacket p)
        {
            final long a = left.eval(p);
            if (a == NO_VALUE)
            {
                return NO_VALUE;
            }
            final long b = right.eval(p);
            if (b == NO_VALUE)
            {
                return NO_VALUE;
            }
            final long r = switch (op)
            {
                case '&' -> a & b;
                case '|' -> a | b;
                case '+' -> a + b;
                case '-' -> a - b;
                case '*' -> a * b;
                default -> b == 0 ? 0 : a / b;
            };
            return r & 0xffffffffL;
        }
    }

    /**
     * {@code proto[offset:size]}. {@code layer}: 0 the link layer ({@code ether}), 3 the IPv4
     * header ({@code ip}), 4 the IPv4 payload of protocol {@code protocol} ({@code tcp},
     * {@code udp}, {@code icmp}; first fragments only). A load beyond the captured bytes
     * rejects the packet, as in BPF.
     */
    record Load(int context, int layer, int protocol, int offset, int size) implements Value
    {
        public long eval(final ExprPacket p)
        {
            final PacketView v = p.view(context);
            int at;
            if (layer == 0)
            {
                at = 0;
            }
            else
            {
                if (v.etherType() != PacketView.ETHERTYPE_IPV4)
                {
                    return NO_VALUE;
                }
                at = v.networkOffset();
                if (layer == 4)
                {
                    if (!v.fits(at, 20) || v.u8(at + 9) != protocol || (v.u16(at + 6) & 0x1fff) != 0)
                    {
                        return NO_VALUE;
                    }
                    at += (v.u8(at) & 0x0f) * 4;
                }
            }
            at += offset;
            if (!v.fits(at, size))
            {
                p.abort();
                return NO_VALUE;
            }
            return switch (size)
            {
                case 1 -> v.u8(at);
                case 2 -> v.u16(at);
                default -> v.s32(at) & 0xffffffffL;
            };
        }
    }
}
