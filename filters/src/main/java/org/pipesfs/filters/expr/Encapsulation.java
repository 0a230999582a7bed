package org.pipesfs.filters.expr;

import org.pipesfs.filters.decode.PacketView;

/**
 * The encapsulation primitives other than {@code vlan}, with the tests libpcap generates for
 * them. Each is true when its layer is there in the context's layer; the compiler then moves
 * later primitives inside it ({@link Layers}).
 */
final class Encapsulation
{
    private static final int PPP_MPLS = 0x0281;

    private Encapsulation()
    {
    }

    /**
     * {@code mpls [LABEL]}: EtherType 0x8847, or, right after another {@code mpls}, a next label
     * (the previous one not the bottom of the stack); after {@code pppoes}, PPP protocol 0x0281.
     */
    record Mpls(int context, int label) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            final PacketView v = p.view(context);
            final int at;
            final int last = Layers.last(context);
            if (last == Layers.MPLS || last == Layers.PPPOES)
            {
                // a network view that starts right after the previous label or PPPoE header
                if (v.linkType() != PacketView.LINKTYPE_RAW)
                {
                    return false;
                }
                final int before = last == Layers.MPLS ? v.buffer().getByte(v.base() - 2) & 1
                    : v.buffer().getShort(v.base() - 2, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff;
                if (last == Layers.MPLS ? before != 0 : before != PPP_MPLS)
                {
                    return false;
                }
                at = 0;
            }
            else
            {
                if (v.etherType() != Layers.ETHERTYPE_MPLS || v.linkType() == PacketView.LINKTYPE_RAW)
                {
                    return false;
                }
                at = v.networkOffset();
            }
            if (label < 0)
            {
                return true;
            }
            if (!v.fits(at, 4))
            {
                p.abort();
                return false;
            }
            return (v.s32(at) >>> 12) == label;
        }
    }

    /** {@code pppoes [SESSION]}: a PPPoE session frame (EtherType 0x8864), of that session. */
    record Pppoes(int context, int session) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            final PacketView v = p.view(context);
            if (v.etherType() != Layers.ETHERTYPE_PPPOE_SESSION || v.linkType() == PacketView.LINKTYPE_RAW)
            {
                return false;
            }
            if (session < 0)
            {
                return true;
            }
            final int at = v.networkOffset();
            if (!v.fits(at, 4))
            {
                p.abort();
                return false;
            }
            return v.u16(at + 2) == session;
        }
    }

    /**
     * {@code geneve [VNI]} and {@code vxlan [VNI]}: UDP to the tunnel's port, over IPv4 (not a
     * later fragment) or IPv6 (no extension headers); GENEVE version 0, or VXLAN flags exactly
     * 0x08 (the VNI-valid bit); and the VNI if given.
     */
    record UdpTunnel(int context, int port, int vni) implements Matcher
    {
        public boolean test(final ExprPacket p)
        {
            final PacketView v = p.view(context);
            final int udp = Layers.udpHeader(v);
            if (udp < 0)
            {
                return false;
            }
            if (!v.fits(udp, 4))
            {
                p.abort();
                return false;
            }
            if (v.u16(udp + 2) != port)
            {
                return false;
            }
            if (!v.fits(udp + 8, 1))
            {
                p.abort();
                return false;
            }
            final int flags = v.u8(udp + 8);
            if (port == Layers.PORT_GENEVE ? (flags & 0xc0) != 0 : flags != 0x08)
            {
                return false;
            }
            if (vni < 0)
            {
                return true;
            }
            if (!v.fits(udp + 12, 4))
            {
                p.abort();
                return false;
            }
            return (v.s32(udp + 12) >>> 8) == vni;
        }
    }
}
