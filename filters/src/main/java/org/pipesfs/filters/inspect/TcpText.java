package org.pipesfs.filters.inspect;

/**
 * A TCP segment as tcpdump prints it without {@code -v}: ports, flags, relative sequence and
 * acknowledgement numbers ({@link TcpSequences}), window, urgent pointer, options, length,
 * and for ports 80 and 8080 the HTTP request or status line, for port 53 the DNS summary.
 * Ports tcpdump hands to other printers (telnet, SMTP, SSH, BGP, SMB, FTP...) end the line
 * after the length.
 */
final class TcpText
{
    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;
    private static final int URG = 0x20;
    private static final char[] FLAG_CHARS = {'F', 'S', 'R', 'P', '.', 'U', 'E', 'W'};
    private static final int[] OTHER_PRINTERS = {23, 25, 43, 179, 1723, 6379, 22, 139, 445, 10288, 6633, 6653, 21};
    private static final String[] HTTP_COMMANDS = {"GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY",
        "BMOVE", "MKCOL", "TRACE", "LABEL", "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT", "UPDATE", "NOTIFY", "BDELETE",
        "CONNECT", "OPTIONS", "CHECKIN", "PROPFIND", "CHECKOUT", "CCM_POST", "SUBSCRIBE", "PROPPATCH", "BPROPFIND",
        "BPROPPATCH", "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "UNSUBSCRIBE", "RPC_CONNECT", "VERSION-CONTROL",
        "BASELINE-CONTROL"};
    private static final long MASK = 0xffffffffL;

    private final Snap s;
    private final TextLine out;
    private final DnsText dns;
    private final TcpSequences sequences = new TcpSequences();
    private int tokenStart;
    private int tokenLength;

    TcpText(final Snap snap, final TextLine line, final DnsText dns)
    {
        this.s = snap;
        this.out = line;
        this.dns = dns;
    }

    /**
     * @param at     the TCP header
     * @param length the IP payload length
     * @param ip     the IP header; {@code version} 4 or 6
     * @param direct whether the IP header's own protocol field says TCP (no IPv6 extension headers)
     */
    void print(final int at, final int ipLength, final int ip, final int version, final boolean direct)
    {
        s.protocol = "tcp";
        if (!s.has(at + 2, 2))
        {
            addresses(ip, version, -1, -1);
            out.ch(':');
            throw Snap.Truncated.INSTANCE;
        }
        final int sport = s.u16(at);
        final int dport = s.u16(at + 2);
        if (direct)
        {
            addresses(ip, version, sport, dport);
            out.text(": ");
        }
        else
        {
            out.number(sport).text(" > ").number(dport).text(": ");
        }
        s.require(at, 20);
        int hlen = (s.u8(at + 12) >>> 4) * 4;
        if (hlen < 20)
        {
            out.text(" tcp ").number((ipLength - hlen) & MASK).text(" [bad hdr length ").number(hlen)
                .text(" - too short, < 20]");
            return;
        }
        long seq = s.u32(at + 4);
        long ack = s.u32(at + 8);
        final int win = s.u16(at + 14);
        final int urp = s.u16(at + 18);
        final int flags = s.u8(at + 13);
        out.text("Flags [");
        flags(flags);
        out.ch(']');
        boolean rev = false;
        long thseq = 0;
        long thack = 0;
        if ((flags & ACK) != 0)
        {
            final int width = version == 6 ? 16 : 4;
            final int src = version == 6 ? ip + 8 : ip + 12;
            final int dst = src + width;
            s.require(src, 2 * width);
            rev = sport > dport || (sport == dport && compare(src, dst, width) > 0);
            final int a = rev ? dst : src;
            final int b = rev ? src : dst;
            final long portKey = (long)version << 32 | (rev ? (long)dport << 16 | sport : (long)sport << 16 | dport);
            final boolean known = sequences.lookup(high(a, width), low(a, width), high(b, width), low(b, width), portKey,
                (flags & SYN) != 0, rev ? (ack - 1) & MASK : seq, rev ? seq : (ack - 1) & MASK);
            if (known)
            {
                if (rev)
                {
                    seq = (seq - sequences.ack()) & MASK;
                    ack = (ack - sequences.seq()) & MASK;
                }
                else
                {
                    seq = (seq - sequences.seq()) & MASK;
                    ack = (ack - sequences.ack()) & MASK;
                }
            }
            thseq = sequences.seq();
            thack = sequences.ack();
        }
        if (hlen > ipLength)
        {
            out.text(" [bad hdr length ").number(hlen).text(" - too long, > ").number(ipLength).ch(']');
            return;
        }
        final int length = ipLength - hlen;
        if (length > 0 || (flags & (SYN | FIN | RST)) != 0)
        {
            out.text(", seq ").number(seq);
            if (length > 0)
            {
                out.ch(':').number((seq + length) & MASK);
            }
        }
        if ((flags & ACK) != 0)
        {
            out.text(", ack ").number(ack);
        }
        out.text(", win ").number(win);
        if ((flags & URG) != 0)
        {
            out.text(", urg ").number(urp);
        }
        if (hlen > 20 && !options(at + 20, hlen - 20, rev, thseq, thack))
        {
            return;
        }
        out.text(", length ").number(length);
        if (length == 0)
        {
            return;
        }
        if (!s.has(at, hlen))
        {
            out.text(" [remaining caplen(").number(Math.max(0, s.end - at)).text(") < header length(").number(hlen)
                .text(")]");
            throw Snap.Truncated.INSTANCE;
        }
        application(at + hlen, length, sport, dport);
    }

    private void application(final int payload, final int length, final int sport, final int dport)
    {
        for (final int port : OTHER_PRINTERS)
        {
            if (sport == port || dport == port)
            {
                return;
            }
        }
        if (sport == 80 || dport == 80 || sport == 8080 || dport == 8080)
        {
            out.text(": ");
            http(payload, length);
        }
        else if (sport == 53 || dport == 53)
        {
            dns.print(payload, length, true, false);
        }
    }

    private void addresses(final int ip, final int version, final int sport, final int dport)
    {
        s.require(version == 6 ? ip + 8 : ip + 12, version == 6 ? 32 : 8);
        out.endpoints(s.packet, ip, version, sport, dport);
    }

    private void flags(final int flags)
    {
        if (flags == 0)
        {
            out.text("none");
        }
        for (int bit = 0; bit < FLAG_CHARS.length; bit++)
        {
            if ((flags & (1 << bit)) != 0)
            {
                out.ch(FLAG_CHARS[bit]);
            }
        }
    }

    /** @return false where tcpdump stops printing the segment (a bad or truncated option). */
    private boolean options(final int first, final int optionBytes, final boolean rev, final long thseq, final long thack)
    {
        int cp = first;
        int h = optionBytes;
        char separator = 0;
        out.text(", options [");
        while (h > 0)
        {
            if (separator != 0)
            {
                out.ch(separator);
            }
            final int opt = s.u8(cp++);
            final int len;
            if (opt == 0 || opt == 1)
            {
                len = 1;
            }
            else
            {
                len = s.u8(cp++);
                if (len < 2 || len > h)
                {
                    return bad(separator);
                }
                h--;
            }
            h--;
            int datalen = 0;
            optionName(opt);
            switch (opt)
            {
                case 2, 3, 6, 7, 8, 11, 12, 13, 20, 28 -> {
                    datalen = opt == 2 || opt == 20 || opt == 28 ? 2 : opt == 3 ? 1 : opt == 8 ? 8 : 4;
                    if (datalen > h)
                    {
                        return bad(separator);
                    }
                    if (!s.has(cp, datalen))
                    {
                        return truncated(separator);
                    }
                    fixedOption(opt, cp);
                }
                case 5 -> {
                    datalen = len - 2;
                    if (datalen % 8 != 0)
                    {
                        out.text(" invalid sack");
                    }
                    else
                    {
                        out.ch(' ').number(datalen / 8).ch(' ');
                        for (int i = 0; i < datalen; i += 8)
                        {
                            if (i + 8 > h)
                            {
                                return bad(separator);
                            }
                            if (!s.has(cp + i, 8))
                            {
                                return truncated(separator);
                            }
                            final long base = rev ? thseq : thack;
                            out.ch('{').number((s.u32(cp + i) - base) & MASK).ch(':')
                                .number((s.u32(cp + i + 4) - base) & MASK).ch('}');
                        }
                    }
                }
                case 0, 1, 4 -> {
                    // nothing more to show
                }
                default -> {
                    datalen = len - 2;
                    if (datalen > 0)
                    {
                        out.text(" 0x");
                    }
                    for (int i = 0; i < datalen; i++)
                    {
                        if (i + 1 > h)
                        {
                            return bad(separator);
                        }
                        if (!s.has(cp + i, 1))
                        {
                            return truncated(separator);
                        }
                        out.hex(s.u8(cp + i), 2);
                    }
                }
            }
            cp += datalen;
            h -= datalen;
            datalen += opt == 0 || opt == 1 ? 1 : 2;
            if (datalen != len)
            {
                out.text("[len ").number(len).ch(']');
            }
            separator = ',';
            if (opt == 0)
            {
                break;
            }
        }
        out.ch(']');
        return true;
    }

    private void fixedOption(final int opt, final int cp)
    {
        switch (opt)
        {
            case 2 -> out.ch(' ').number(s.u16(cp));
            case 3 -> out.ch(' ').number(s.u8(cp));
            case 8 -> out.text(" val ").number(s.u32(cp)).text(" ecr ").number(s.u32(cp + 4));
            case 20 -> out.text(" cap ").hex(s.u8(cp), 2).text(" id ").number(s.u8(cp + 1));
            case 28 -> {
                final int value = s.u16(cp);
                out.text(" 0x").hex(value, 1).ch(' ').number((value & 1) != 0 ? (value >>> 1) * 60L : value >>> 1);
            }
            default -> out.ch(' ').number(s.u32(cp));
        }
    }

    private void optionName(final int opt)
    {
        switch (opt)
        {
            case 0 -> out.text("eol");
            case 1 -> out.text("nop");
            case 2 -> out.text("mss");
            case 3 -> out.text("wscale");
            case 4 -> out.text("sackOK");
            case 5 -> out.text("sack");
            case 6 -> out.text("echo");
            case 7 -> out.text("echoreply");
            case 8 -> out.text("TS");
            case 11 -> out.text("cc");
            case 12 -> out.text("ccnew");
            case 13 -> { }
            case 19 -> out.text("md5");
            case 20 -> out.text("scps");
            case 28 -> out.text("uto");
            case 29 -> out.text("tcp-ao");
            case 30 -> out.text("mptcp");
            case 34 -> out.text("tfo");
            case 254 -> out.text("exp");
            default -> out.text("unknown-").number(opt);
        }
    }

    private boolean bad(final char separator)
    {
        out.text("[bad opt]");
        if (separator != 0)
        {
            out.ch(']');
        }
        return false;
    }

    private boolean truncated(final char separator)
    {
        out.text(" [|tcp]");
        if (separator != 0)
        {
            out.ch('>');
        }
        return false;
    }

    /** tcpdump's txtproto for HTTP: "HTTP", then the first line if it starts a request or a response. */
    private void http(final int payload, final int length)
    {
        s.protocol = "http";
        out.text("HTTP");
        boolean printThis = false;
        int idx = token(payload, 0, length);
        if (idx != 0)
        {
            for (final String command : HTTP_COMMANDS)
            {
                if (tokenIs(payload, command))
                {
                    printThis = true;
                    break;
                }
            }
            idx = token(payload, idx, length);
            if (idx != 0 && tokenLength == 3 && digit(payload + tokenStart) && digit(payload + tokenStart + 1)
                && digit(payload + tokenStart + 2))
            {
                printThis = true;
            }
        }
        if (printThis)
        {
            firstLine(payload, length);
        }
    }

    private boolean digit(final int at)
    {
        final int c = s.u8(at);
        return c >= '0' && c <= '9';
    }

    private boolean tokenIs(final int payload, final String command)
    {
        if (tokenLength != command.length())
        {
            return false;
        }
        for (int i = 0; i < tokenLength; i++)
        {
            final int c = s.u8(payload + tokenStart + i);
            if (Character.toUpperCase(c) != command.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /** tcpdump's fetch_token: the token at {@code idx} (set in tokenStart/tokenLength) and where the next begins, or 0. */
    private int token(final int base, final int from, final int len)
    {
        int idx = from;
        int length = 0;
        for (; idx < len; idx++)
        {
            if (!s.has(base + idx, 1))
            {
                return 0;
            }
            final int c = s.u8(base + idx);
            if (c > 0x7f)
            {
                return 0;
            }
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            {
                break;
            }
            if (c < 0x20 || c == 0x7f || length + 2 > 129)
            {
                return 0;
            }
            length++;
        }
        if (length == 0)
        {
            return 0;
        }
        tokenStart = idx - length;
        tokenLength = length;
        for (; idx < len; idx++)
        {
            if (!s.has(base + idx, 1))
            {
                break;
            }
            final int c = s.u8(base + idx);
            if (c == '\r' || c == '\n' || c < 0x20 || c > 0x7e || c != ' ')
            {
                break;
            }
        }
        return idx;
    }

    /** ": " and the first line, if it is printable text ending in LF or CRLF; cut short, then " [|http]". */
    private void firstLine(final int base, final int len)
    {
        int idx = 0;
        while (idx < len)
        {
            final int c = s.u8(base + idx);
            if (c == '\n')
            {
                printLine(base, idx);
                return;
            }
            if (c == '\r')
            {
                if (idx + 1 >= len || s.u8(base + idx + 1) != '\n')
                {
                    return;
                }
                printLine(base, idx);
                return;
            }
            if ((c < 0x20 || c > 0x7e) && c != '\t')
            {
                return;
            }
            idx++;
        }
        printLine(base, idx);
        throw Snap.Truncated.INSTANCE;
    }

    private void printLine(final int base, final int length)
    {
        out.text(": ");
        for (int i = 0; i < length; i++)
        {
            out.ch(s.u8(base + i));
        }
    }

    private int compare(final int a, final int b, final int width)
    {
        for (int i = 0; i < width; i++)
        {
            final int d = s.u8(a + i) - s.u8(b + i);
            if (d != 0)
            {
                return d;
            }
        }
        return 0;
    }

    private long high(final int at, final int width)
    {
        return width == 16 ? s.packet.buffer().getLong(s.packet.base() + at) : 0;
    }

    private long low(final int at, final int width)
    {
        return width == 16 ? s.packet.buffer().getLong(s.packet.base() + at + 8) : s.u32(at);
    }
}
