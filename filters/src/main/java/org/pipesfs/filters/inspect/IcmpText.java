package org.pipesfs.filters.inspect;

/**
 * ICMP and ICMPv6 messages as tcpdump prints them without {@code -v}: the type's name, the
 * identifier and sequence of echoes, the destination, protocol and port an unreachable quotes,
 * the target of neighbour discovery, and the message length.
 */
final class IcmpText
{
    private static final String[] ICMP_TYPES = {"echo reply", null, null, null, "source quench", null, null, null,
        "echo request", null, "router solicitation", null, null, "time stamp request", "time stamp reply",
        "information request", "information reply", "address mask request"};

    private final Snap s;
    private final TextLine out;

    IcmpText(final Snap snap, final TextLine line)
    {
        this.s = snap;
        this.out = line;
    }

    void icmp(final int at, final int length)
    {
        s.protocol = "icmp";
        final int mark = out.length();
        try
        {
            icmpMessage(at);
        }
        catch (final Snap.Truncated ex)
        {
            out.truncate(mark); // tcpdump prints the message only once it is whole
            throw ex;
        }
        out.text(", length ").number(length);
    }

    private void icmpMessage(final int at)
    {
        final int type = s.u8(at);
        final int code = s.u8(at + 1);
        out.text("ICMP ");
        switch (type)
        {
            case 0, 8 -> out.text(type == 8 ? "echo request" : "echo reply").text(", id ").number(s.u16(at + 4))
                .text(", seq ").number(s.u16(at + 6));
            case 3 -> unreachable(at, code);
            case 5 -> {
                s.require(at + 24, 4);
                s.require(at + 4, 4);
                switch (code)
                {
                    case 0 -> out.text("redirect ").ipv4(s.packet, at + 24).text(" to net ").ipv4(s.packet, at + 4);
                    case 1 -> out.text("redirect ").ipv4(s.packet, at + 24).text(" to host ").ipv4(s.packet, at + 4);
                    case 2 -> out.text("redirect-tos ").ipv4(s.packet, at + 24).text(" to net ").ipv4(s.packet, at + 4);
                    case 3 -> out.text("redirect-tos ").ipv4(s.packet, at + 24).text(" to host ").ipv4(s.packet, at + 4);
                    default -> out.text("redirect-#").number(code).ch(' ').ipv4(s.packet, at + 24).text(" to ")
                        .ipv4(s.packet, at + 4);
                }
            }
            case 11 -> {
                s.require(at + 24, 4);
                switch (code)
                {
                    case 0 -> out.text("time exceeded in-transit");
                    case 1 -> out.text("ip reassembly time exceeded");
                    default -> out.text("time exceeded-#").number(code);
                }
            }
            case 12 -> {
                if (code != 0)
                {
                    out.text("parameter problem - code ").number(code);
                }
                else
                {
                    out.text("parameter problem - octet ").number(s.u8(at + 4));
                }
            }
            case 18 -> out.text("address mask is 0x").hex(s.u32(at + 8), 8);
            case 13 -> out.text("time stamp query id ").number(s.u16(at + 4)).text(" seq ").number(s.u16(at + 6));
            default -> {
                if (type < ICMP_TYPES.length && ICMP_TYPES[type] != null)
                {
                    out.text(ICMP_TYPES[type]);
                }
                else
                {
                    out.text("type-#").number(type);
                }
            }
        }
    }

    /** Destination unreachable: the quoted IP header says which destination, protocol and port. */
    private void unreachable(final int at, final int code)
    {
        final int quoted = at + 8;
        s.require(quoted + 16, 4);
        switch (code)
        {
            case 0 -> out.text("net ").ipv4(s.packet, quoted + 16).text(" unreachable");
            case 1 -> out.text("host ").ipv4(s.packet, quoted + 16).text(" unreachable");
            case 2 -> out.ipv4(s.packet, quoted + 16).text(" protocol ").number(s.u8(quoted + 9)).text(" unreachable");
            case 3 -> {
                final int protocol = s.u8(quoted + 9);
                final int port = s.u16(quoted + (s.u8(quoted) & 0x0f) * 4 + 2);
                out.ipv4(s.packet, quoted + 16);
                switch (protocol)
                {
                    case 6 -> out.text(" tcp port ").number(port).text(" unreachable");
                    case 17 -> out.text(" udp port ").number(port).text(" unreachable");
                    default -> out.text(" protocol ").number(protocol).text(" port ").number(port).text(" unreachable");
                }
            }
            case 4 -> {
                final int mtu = s.u16(at + 6);
                out.ipv4(s.packet, quoted + 16).text(" unreachable - need to frag");
                if (mtu != 0)
                {
                    out.text(" (mtu ").number(mtu).ch(')');
                }
            }
            case 5 -> out.ipv4(s.packet, quoted + 16).text(" unreachable - source route failed");
            case 6 -> out.text("net ").ipv4(s.packet, quoted + 16).text(" unreachable - unknown");
            case 7 -> out.text("host ").ipv4(s.packet, quoted + 16).text(" unreachable - unknown");
            case 8 -> out.ipv4(s.packet, quoted + 16).text(" unreachable - source host isolated");
            case 9 -> out.text("net ").ipv4(s.packet, quoted + 16).text(" unreachable - admin prohibited");
            case 10 -> out.text("host ").ipv4(s.packet, quoted + 16).text(" unreachable - admin prohibited");
            case 11 -> out.text("net ").ipv4(s.packet, quoted + 16).text(" unreachable - tos prohibited");
            case 12 -> out.text("host ").ipv4(s.packet, quoted + 16).text(" unreachable - tos prohibited");
            case 13 -> out.text("host ").ipv4(s.packet, quoted + 16).text(" unreachable - admin prohibited filter");
            case 14 -> out.text("host ").ipv4(s.packet, quoted + 16).text(" unreachable - host precedence violation");
            case 15 -> out.text("host ").ipv4(s.packet, quoted + 16).text(" unreachable - precedence cutoff");
            default -> out.ipv4(s.packet, quoted + 16).text(" unreachable - #").number(code);
        }
    }

    void icmp6(final int at, final int length)
    {
        s.protocol = "icmp6";
        if (length == 0)
        {
            out.text("ICMP6, length 0 (invalid)");
            return;
        }
        final int type = s.u8(at);
        out.text("ICMP6, ");
        final int code = s.u8(at + 1);
        switch (type)
        {
            case 1 -> {
                out.text("destination unreachable, ");
                switch (code)
                {
                    case 0 -> out.text("unreachable route ");
                    case 1 -> out.text(" unreachable prohibited ");
                    case 2 -> out.text("beyond scope ");
                    case 3 -> out.text("unreachable address ");
                    case 4 -> out.text("unreachable port");
                    default -> out.text("unknown unreach code (").number(code).ch(')');
                }
                if (code <= 3)
                {
                    s.require(at + 8 + 24, 16);
                    out.ipv6(s.packet, at + 8 + 24);
                    if (code == 2)
                    {
                        s.require(at + 8 + 8, 16);
                        out.text(", source address ").ipv6(s.packet, at + 8 + 8);
                    }
                }
                else if (code == 4)
                {
                    final int quoted = at + 8;
                    s.require(quoted, 40);
                    final int next = s.u8(quoted + 6);
                    final int port = s.u16(quoted + 40 + 2);
                    out.text(", ").ipv6(s.packet, quoted + 24);
                    switch (next)
                    {
                        case 6 -> out.text(" tcp port ").number(port);
                        case 17 -> out.text(" udp port ").number(port);
                        default -> out.text(" protocol ").number(next).text(" port ").number(port).text(" unreachable");
                    }
                }
            }
            case 2 -> out.text("packet too big, mtu ").number(s.u32(at + 4));
            case 3 -> {
                out.text("time exceeded in-transit");
                switch (code)
                {
                    case 0 -> {
                        s.require(at + 8 + 24, 16);
                        out.text(" for ").ipv6(s.packet, at + 8 + 24);
                    }
                    case 1 -> out.text(" (reassembly)");
                    default -> out.text(", unknown code (").number(code).ch(')');
                }
            }
            case 128, 129 -> out.text(type == 128 ? "echo request" : "echo reply").text(", id ").number(s.u16(at + 4))
                .text(", seq ").number(s.u16(at + 6));
            case 133 -> out.text("router solicitation");
            case 134 -> out.text("router advertisement");
            case 135 -> {
                s.require(at + 8, 16);
                out.text("neighbor solicitation, who has ").ipv6(s.packet, at + 8);
            }
            case 136 -> {
                s.require(at + 8, 16);
                out.text("neighbor advertisement, tgt is ").ipv6(s.packet, at + 8);
            }
            case 143 -> out.text("multicast listener report v2, ").number(s.u16(at + 6)).text(" group record(s)");
            default -> {
                out.text("unknown icmp6 type (").number(type).text("), length ").number(length);
                return;
            }
        }
        out.text(", length ").number(length);
    }
}
