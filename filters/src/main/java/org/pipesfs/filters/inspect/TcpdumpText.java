package org.pipesfs.filters.inspect;

import org.pipesfs.filters.decode.PacketView;

/**
 * Renders a frame as the line {@code tcpdump -nn} prints for it (tcpdump 4.99, times in UTC):
 * Ethernet (tags skipped, as without {@code -e}), raw IP, Linux cooked and BSD loopback links;
 * ARP; IPv4 and IPv6 (IP in IP nested as tcpdump nests it); TCP ({@link TcpText}); UDP with
 * DNS and mDNS ({@link DnsText}) and BOOTP/DHCP; ICMP and ICMPv6 ({@link IcmpText}).
 * A frame cut short ends with tcpdump's {@code [|PROTOCOL]}. Protocols tcpdump hands to other
 * printers end where this one stops. State: the TCP conversations seen, for relative sequence
 * numbers, so one instance renders one stream of frames in order.
 *
 * <p>Single-threaded; allocation-free per frame.
 */
public final class TcpdumpText
{
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final int ETHERTYPE_ARP = 0x0806;

    private final TextLine out = new TextLine();
    private final Snap s = new Snap();
    private final DnsText dns = new DnsText(s, out);
    private final TcpText tcp = new TcpText(s, out, dns);
    private final IcmpText icmp = new IcmpText(s, out);

    /** Renders {@code frame} (decoded) captured at {@code timestampNs}, {@code wireLength} bytes on the wire. */
    public TextLine render(final PacketView frame, final long timestampNs, final int wireLength)
    {
        out.reset();
        out.time(timestampNs).ch(' ');
        s.reset(frame);
        try
        {
            link(frame.linkType(), wireLength);
        }
        catch (final Snap.Truncated ex)
        {
            out.text(" [|").text(s.protocol).ch(']');
        }
        return out;
    }

    private void link(final int linkType, final int wire)
    {
        int at;
        int type;
        switch (linkType)
        {
            case PacketView.LINKTYPE_ETHERNET -> {
                s.require(0, 14);
                type = s.u16(12);
                at = 14;
                while (type == 0x8100 || type == 0x9100 || type == 0x9200 || type == 0x88a8)
                {
                    s.protocol = "vlan";
                    type = s.u16(at + 2);
                    at += 4;
                }
            }
            case PacketView.LINKTYPE_RAW, PacketView.LINKTYPE_RAW_12, PacketView.LINKTYPE_RAW_14 -> {
                s.protocol = "raw";
                type = (s.u8(0) >>> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
                at = 0;
            }
            case PacketView.LINKTYPE_LINUX_SLL -> {
                s.protocol = "sll";
                type = s.u16(14);
                at = 16;
            }
            case PacketView.LINKTYPE_LINUX_SLL2 -> {
                s.protocol = "sll2";
                type = s.u16(0);
                at = 20;
            }
            case PacketView.LINKTYPE_NULL, PacketView.LINKTYPE_LOOP -> {
                s.protocol = "null";
                s.require(0, 4);
                type = s.packet.etherType();
                at = 4;
            }
            default -> {
                out.text("user data, length ").number(wire);
                return;
            }
        }
        final int remaining = wire - at;
        switch (type)
        {
            case ETHERTYPE_IPV4 -> ip(at, remaining);
            case ETHERTYPE_IPV6 -> ip6(at, remaining);
            case ETHERTYPE_ARP -> arp(at, remaining);
            default -> out.text("ethertype Unknown (0x").hex(type, 4).text("), length ").number(wire).text(": ");
        }
    }

    private void arp(final int at, final int length)
    {
        s.protocol = "arp";
        s.require(at, 8);
        final int hardware = s.u16(at);
        final int protocol = s.u16(at + 2);
        final int hln = s.u8(at + 4);
        final int pln = s.u8(at + 5);
        final int op = s.u16(at + 6);
        final int sha = at + 8;
        final int spa = sha + hln;
        final int tha = spa + pln;
        final int tpa = tha + hln;
        s.require(tpa, pln);
        out.text("ARP, ");
        if ((protocol != ETHERTYPE_IPV4 && protocol != 0x1000) || pln != 4 || hln == 0)
        {
            hardwareName(hardware);
            out.text(" (len ").number(hln).text("), ");
            if (protocol == ETHERTYPE_IPV4)
            {
                out.text("IPv4");
            }
            else
            {
                out.text("Unknown Protocol (0x").hex(protocol, 4).ch(')');
            }
            out.text(" (len ").number(pln).text("), length ").number(length);
            return;
        }
        switch (op)
        {
            case 1 -> {
                out.text("Request who-has ").ipv4(s.packet, tpa);
                boolean targetSet = false;
                for (int i = 0; i < hln; i++)
                {
                    targetSet |= s.u8(tha + i) != 0;
                }
                if (targetSet)
                {
                    linkAddress(tha, hln, out.text(" (")).ch(')');
                }
                out.text(" tell ").ipv4(s.packet, spa);
            }
            case 2 -> linkAddress(sha, hln, out.text("Reply ").ipv4(s.packet, spa).text(" is-at "));
            case 3, 8 -> linkAddress(sha, hln, linkAddress(tha, hln, out.text(op == 3 ? "Reverse Request who-is "
                : "Inverse Request who-is ")).text(" tell "));
            case 4 -> linkAddress(tha, hln, out.text("Reverse Reply ")).text(" at ").ipv4(s.packet, tpa);
            case 9 -> linkAddress(sha, hln, out.text("Inverse Reply ")).text(" at ").ipv4(s.packet, spa);
            default -> {
                // tcpdump dumps the rest in hex, on lines of their own
                if (op == 10)
                {
                    out.text("NACK Reply ");
                }
                else
                {
                    out.text("Unknown (").number(op).text(") ");
                }
                return;
            }
        }
        out.text(", length ").number(length);
    }

    private TextLine linkAddress(final int at, final int count, final TextLine line)
    {
        s.require(at, count);
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                line.ch(':');
            }
            line.hex(s.u8(at + i), 2);
        }
        return line;
    }

    private void hardwareName(final int hardware)
    {
        switch (hardware)
        {
            case 1 -> out.text("Ethernet");
            case 6 -> out.text("TokenRing");
            case 7 -> out.text("ArcNet");
            case 15 -> out.text("FrameRelay");
            case 23 -> out.text("Strip");
            case 24 -> out.text("IEEE 1394");
            case 19 -> out.text("ATM");
            case 32 -> out.text("InfiniBand");
            default -> out.text("Unknown Hardware (").number(hardware).ch(')');
        }
    }

    private void ip(final int at, final int length)
    {
        s.protocol = "ip";
        final int version = s.u8(at) >>> 4;
        if (version != 4)
        {
            if (version == 6)
            {
                out.text("IP6, wrong link-layer encapsulation");
            }
            else
            {
                out.text("IP").number(version);
            }
            out.text(" (invalid)");
            return;
        }
        out.text("IP ");
        s.require(at, 20);
        if (length < 20)
        {
            out.text("truncated-ip ").number(length);
            return;
        }
        final int hlen = (s.u8(at) & 0x0f) * 4;
        if (hlen < 20)
        {
            out.text("bad-hlen ").number(hlen);
            return;
        }
        final int total = s.u16(at + 2);
        if (length < total)
        {
            out.text("truncated-ip - ").number(total - length).text(" bytes missing! ");
        }
        if (total < hlen)
        {
            out.text("bad-len ").number(total);
            return;
        }
        s.end = Math.min(s.end, at + total);
        final int offset = s.u16(at + 6);
        final int protocol = s.u8(at + 9);
        if ((offset & 0x1fff) != 0)
        {
            out.ipv4(s.packet, at + 12).text(" > ").ipv4(s.packet, at + 16).text(": ip-proto-").number(protocol);
            return;
        }
        if (protocol != 6 && protocol != 17 && protocol != 132 && protocol != 33)
        {
            out.ipv4(s.packet, at + 12).text(" > ").ipv4(s.packet, at + 16).text(": ");
        }
        s.require(at, hlen);
        transport(protocol, at + hlen, total - hlen, at, 4, true);
    }

    private void ip6(final int at, final int length)
    {
        s.protocol = "ip6";
        s.require(at, 40);
        if (length < 40)
        {
            out.text("truncated-ip6 ").number(length);
            return;
        }
        out.text("IP6 ");
        if ((s.u8(at) >>> 4) != 6)
        {
            out.text("version error: ").number(s.u8(at) >>> 4).text(" != 6");
            return;
        }
        final int payload = s.u16(at + 4);
        int total = payload + 40;
        if (payload != 0 && length < total)
        {
            out.text("truncated-ip6 - ").number(total - length).text(" bytes missing!");
        }
        if (payload == 0)
        {
            total = length + 40;
        }
        s.end = Math.min(s.end, at + total);
        final int next = s.u8(at + 6);
        if (next != 6 && next != 17 && next != 132 && next != 33)
        {
            out.ipv6(s.packet, at + 8).text(" > ").ipv6(s.packet, at + 24).text(": ");
        }
        transport(next, at + 40, total - 40, at, 6, true);
    }

    private void transport(final int protocol, final int at, final int length, final int ip, final int version,
        final boolean direct)
    {
        switch (protocol)
        {
            case 6 -> tcp.print(at, length, ip, version, direct);
            case 17 -> udp(at, length, ip, version);
            case 1 -> {
                if (version == 4)
                {
                    icmp.icmp(at, length);
                }
                else
                {
                    out.text("[icmp requires IPv4]");
                }
            }
            case 58 -> {
                if (version == 6)
                {
                    icmp.icmp6(at, length);
                }
                else
                {
                    out.text("[icmp6 requires IPv6]");
                }
            }
            case 4 -> ip(at, length);
            case 41 -> ip6(at, length);
            case 59 -> out.text("no next header");
            default -> out.text(" ip-proto-").number(protocol).ch(' ').number(length);
        }
    }

    private void udp(final int at, final int ipLength, final int ip, final int version)
    {
        s.protocol = "udp";
        if (!s.has(at + 2, 2))
        {
            udpAddresses(ip, version, -1, -1);
            throw Snap.Truncated.INSTANCE;
        }
        final int sport = s.u16(at);
        final int dport = s.u16(at + 2);
        if (ipLength < 8)
        {
            udpAddresses(ip, version, sport, dport);
            out.text("truncated-udp ").number(ipLength);
            return;
        }
        if (!s.has(at + 4, 2))
        {
            udpAddresses(ip, version, sport, dport);
            throw Snap.Truncated.INSTANCE;
        }
        int ulen = s.u16(at + 4);
        if (ulen == 0 && ipLength > 65535)
        {
            ulen = ipLength;
        }
        if (ulen < 8)
        {
            udpAddresses(ip, version, sport, dport);
            out.text("truncated-udplength ").number(ulen);
            return;
        }
        final int length = Math.min(ulen - 8, ipLength - 8);
        udpAddresses(ip, version, sport, dport);
        if (at + 8 > s.end)
        {
            throw Snap.Truncated.INSTANCE;
        }
        final int payload = at + 8;
        if (sport == 53 || dport == 53)
        {
            dns.print(payload, length, false, false);
        }
        else if (sport == 5353 || dport == 5353)
        {
            dns.print(payload, length, false, true);
        }
        else if (sport == 67 || dport == 67 || sport == 68 || dport == 68)
        {
            bootp(payload, length);
        }
        else
        {
            out.text("UDP, length ").number(length);
        }
    }

    private void udpAddresses(final int ip, final int version, final int sport, final int dport)
    {
        s.require(version == 6 ? ip + 8 : ip + 12, version == 6 ? 32 : 8);
        out.endpoints(s.packet, ip, version, sport, dport).text(": ");
    }

    private void bootp(final int at, final int length)
    {
        s.protocol = "bootp";
        final int op = s.u8(at);
        out.text("BOOTP/DHCP, ");
        switch (op)
        {
            case 1 -> out.text("Request");
            case 2 -> out.text("Reply");
            default -> out.text("unknown (0x").hex(op, 2).ch(')');
        }
        if (s.u8(at + 1) == 1 && s.u8(at + 2) == 6 && op == 1)
        {
            s.require(at + 28, 6);
            out.text(" from ").mac(s.packet, at + 28);
        }
        out.text(", length ").number(length);
    }
}
