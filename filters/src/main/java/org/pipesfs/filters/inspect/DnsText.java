package org.pipesfs.filters.inspect;

/**
 * The one-line DNS summary tcpdump prints without {@code -v}: for a query the id, flags and
 * questions ({@code 21134+ PTR? 8.8.8.8.in-addr.arpa. (38)}); for a response the id, flags,
 * section counts and answers ({@code 21134 1/0/0 PTR dns.google. (82)}); {@code [|domain]}
 * where the message is cut short. Names follow compression pointers backwards only, as
 * tcpdump does, so a pointer loop cannot hang it. Offsets are into the frame; reads stop at
 * the snap end.
 */
final class DnsText
{
    private static final int T_OPT = 41;
    private static final String[] OPCODES = {"", " inv_q", " stat", " op3", " notify", " update", " op6", " op7",
        " op8", " updateA", " updateD", " updateDA", " updateM", " updateMA", " zoneInit", " zoneRef"};
    private static final String[] RCODES = {"", " FormErr", " ServFail", " NXDomain", " NotImp", " Refused", " YXDomain",
        " YXRRSet", " NXRRSet", " NotAuth", " NotZone", " Resp11", " Resp12", " Resp13", " Resp14", " NoChange",
        " BadVers", "Resp17", " Resp18", " Resp19", " Resp20", "Resp21", " Resp22", " BadCookie"};
    private static final String[] TYPES = new String[257];

    static
    {
        final String[] low = {null, "A", "NS", "MD", "MF", "CNAME", "SOA", "MB", "MG", "MR", "NULL", "WKS", "PTR", "HINFO",
            "MINFO", "MX", "TXT", "RP", "AFSDB", "X25", "ISDN", "RT", "NSAP", "NSAP_PTR", "SIG", "KEY", "PX", "GPOS", "AAAA",
            "LOC", "NXT", "EID", "NIMLOC", "SRV", "ATMA", "NAPTR", "KX", "CERT", "A6", "DNAME", "SINK", "OPT", "APL", "DS",
            "SSHFP", "IPSECKEY", "RRSIG", "NSEC", "DNSKEY"};
        System.arraycopy(low, 0, TYPES, 0, low.length);
        final String[] high = {"SPF", "UINFO", "UID", "GID", "UNSPEC", "UNSPECA"};
        System.arraycopy(high, 0, TYPES, 99, high.length);
        final String[] meta = {"TKEY", "TSIG", "IXFR", "AXFR", "MAILB", "MAILA", "ANY", "URI"};
        System.arraycopy(meta, 0, TYPES, 249, meta.length);
    }

    private final Snap s;
    private final TextLine out;
    private final DnsNames names;
    private boolean mdns;

    DnsText(final Snap snap, final TextLine line)
    {
        this.s = snap;
        this.out = line;
        this.names = new DnsNames(snap, line);
    }

    /** The message at {@code at}, {@code length} bytes as the UDP or TCP layer says; over TCP it has a length prefix. */
    void print(final int at, final int messageLength, final boolean overTcp, final boolean multicast)
    {
        mdns = multicast;
        int bp = at;
        int length = messageLength;
        try
        {
            if (overTcp)
            {
                if (length < 2)
                {
                    out.text(" [DNS over TCP: length ").number(length).text(" < 2] (invalid)");
                    return;
                }
                length -= 2;
                if (s.u16(bp) != length)
                {
                    out.text(" [prefix length(").number(s.u16(bp)).text(") != length(").number(length).text(")] (invalid)");
                    return;
                }
                bp += 2;
                out.ch(' ');
            }
            if (length < 12)
            {
                out.text("domain [length ").number(length).text(" < 12] (invalid)");
                return;
            }
            s.require(bp, 12);
            if (!message(bp, length))
            {
                out.text(" [|domain]");
            }
        }
        catch (final Snap.Truncated ex)
        {
            out.text(" [|domain]");
        }
    }

    /** @return false where tcpdump jumps to its truncation message. */
    private boolean message(final int bp, final int length)
    {
        final int flags = s.u16(bp + 2);
        int qd = s.u16(bp + 4);
        int an = s.u16(bp + 6);
        final int ns = s.u16(bp + 8);
        final int ar = s.u16(bp + 10);
        final int rcode = extendedRcode(bp, flags & 0xf, qd, an + ns, ar);
        final int opcode = (flags >>> 11) & 0xf;
        int cp = bp + 12;
        out.number(s.u16(bp)).text(OPCODES[opcode]);
        if ((flags & 0x8000) != 0)
        {
            if (rcode < RCODES.length)
            {
                out.text(RCODES[rcode]);
            }
            else
            {
                out.text(" Resp").number(rcode & 0xfff);
            }
            out.text((flags & 0x0400) != 0 ? "*" : "").text((flags & 0x0080) != 0 ? "" : "-")
                .text((flags & 0x0200) != 0 ? "|" : "").text((flags & 0x0020) != 0 ? "$" : "");
            if (qd != 1)
            {
                out.text(" [").number(qd).text("q]");
            }
            for (int i = 0; i < qd; i++)
            {
                if (i != 0)
                {
                    out.ch(',');
                }
                cp = names.skipName(cp);
                if (cp < 0)
                {
                    return false;
                }
                cp += 4;
            }
            out.ch(' ').number(an).ch('/').number(ns).ch('/').number(ar);
            if (an > 0)
            {
                cp = record(cp, bp);
                if (cp < 0)
                {
                    return false;
                }
                an--;
                while (cp < s.end && an > 0)
                {
                    out.ch(',');
                    cp = record(cp, bp);
                    if (cp < 0)
                    {
                        return false;
                    }
                    an--;
                }
            }
            if (an > 0)
            {
                return false;
            }
        }
        else
        {
            out.text((flags & 0x0100) != 0 ? "+" : "").text((flags & 0x0010) != 0 ? "%" : "");
            if ((flags & 0x6cf) != 0)
            {
                out.text(" [b2&3=0x").hex(flags, 1).ch(']');
            }
            if (opcode == 1)
            {
                if (qd != 0)
                {
                    out.text(" [").number(qd).text("q]");
                }
                if (an != 1)
                {
                    out.text(" [").number(an).text("a]");
                }
            }
            else
            {
                if (an != 0)
                {
                    out.text(" [").number(an).text("a]");
                }
                if (qd != 1)
                {
                    out.text(" [").number(qd).text("q]");
                }
            }
            if (ns != 0)
            {
                out.text(" [").number(ns).text("n]");
            }
            if (ar != 0)
            {
                out.text(" [").number(ar).text("au]");
            }
            if (qd > 0)
            {
                cp = question(cp, bp);
                if (cp < 0)
                {
                    return false;
                }
                qd--;
                while (cp < s.end && qd > 0)
                {
                    cp = question(cp, bp);
                    if (cp < 0)
                    {
                        return false;
                    }
                    qd--;
                }
            }
            if (qd > 0)
            {
                return false;
            }
        }
        out.text(" (").number(length).ch(')');
        return true;
    }

    /** The response code with an OPT record's extended bits, found as tcpdump finds it. */
    private int extendedRcode(final int bp, final int rcode, final int qd, final int records, final int ar)
    {
        int cp = bp + 12;
        for (int i = 0; i < qd; i++)
        {
            cp = names.skipName(cp);
            if (cp < 0 || (cp += 4) >= s.end)
            {
                return rcode;
            }
        }
        for (int i = 0; i < records; i++)
        {
            cp = names.skipName(cp);
            if (cp < 0 || (cp += 8) + 2 > s.end)
            {
                return rcode;
            }
            cp += 2 + s.u16(cp);
            if (cp >= s.end)
            {
                return rcode;
            }
        }
        for (int i = 0; i < ar; i++)
        {
            cp = names.skipName(cp);
            if (cp < 0 || cp + 2 > s.end)
            {
                return rcode;
            }
            final int type = s.u16(cp);
            cp += 4;
            if (cp + 1 > s.end)
            {
                return rcode;
            }
            if (type == T_OPT)
            {
                return rcode | s.u8(cp) << 4;
            }
            cp += 4;
            if (cp + 2 > s.end)
            {
                return rcode;
            }
            cp += 2 + s.u16(cp);
            if (cp >= s.end)
            {
                return rcode;
            }
        }
        return rcode;
    }

    private int question(final int at, final int bp)
    {
        int cp = names.skipName(at);
        if (cp < 0 || !s.has(cp, 4))
        {
            return -1;
        }
        type(s.u16(cp));
        final int qclass = s.u16(cp + 2);
        final int klass = mdns ? qclass & ~0x8000 : qclass;
        if (klass != 1)
        {
            out.ch(' ');
            className(klass);
        }
        if (mdns)
        {
            out.text((qclass & 0x8000) != 0 ? " (QU)" : " (QM)");
        }
        out.text("? ");
        cp = names.name(at, bp);
        return cp < 0 ? -1 : cp + 4;
    }

    /** An answer: its type and data (the owner name is printed only with -v). Returns the snap end to stop. */
    private int record(final int at, final int bp)
    {
        int cp = names.skipName(at);
        if (cp < 0 || !s.has(cp, 10))
        {
            return s.end;
        }
        final int type = s.u16(cp);
        final int rclass = s.u16(cp + 2);
        final int klass = mdns ? rclass & ~0x8000 : rclass;
        if (klass != 1 && type != T_OPT)
        {
            out.ch(' ');
            className(klass);
        }
        if (mdns && (rclass & 0x8000) != 0)
        {
            out.text(" (Cache flush)");
        }
        final int optFlags = type == T_OPT ? s.u16(cp + 6) : 0;
        final int length = s.u16(cp + 8);
        cp += 10;
        final int rp = cp + length;
        type(type);
        if (rp > s.end)
        {
            return -1;
        }
        switch (type)
        {
            case 1 -> {
                if (!s.has(cp, 4))
                {
                    return -1;
                }
                out.ch(' ').ipv4(s.packet, cp);
            }
            case 2, 5, 12, 39 -> {
                out.ch(' ');
                if (names.name(cp, bp) < 0)
                {
                    return -1;
                }
            }
            case 15 -> {
                out.ch(' ');
                if (!s.has(cp, 2) || names.name(cp + 2, bp) < 0)
                {
                    return -1;
                }
                out.ch(' ').number(s.u16(cp));
            }
            case 16 -> {
                while (cp < rp)
                {
                    out.text(" \"");
                    cp = names.characterString(cp);
                    if (cp < 0)
                    {
                        return -1;
                    }
                    out.ch('"');
                }
            }
            case 33 -> {
                out.ch(' ');
                if (!s.has(cp, 6) || names.name(cp + 6, bp) < 0)
                {
                    return -1;
                }
                out.ch(':').number(s.u16(cp + 4)).ch(' ').number(s.u16(cp)).ch(' ').number(s.u16(cp + 2));
            }
            case 28 -> {
                if (!s.has(cp, 16))
                {
                    return -1;
                }
                out.ch(' ').ipv6(s.packet, cp);
            }
            case T_OPT -> {
                out.text(" UDPsize=").number(klass);
                if ((optFlags & 0x8000) != 0)
                {
                    out.text(" DO");
                }
            }
            case 104, 256 -> {
                if (!s.has(cp, length))
                {
                    return -1;
                }
                if (type == 256)
                {
                    out.ch(' ').number(s.u16(cp)).ch(' ').number(s.u16(cp + 2)).ch(' ');
                }
                if (names.printable(type == 256 ? cp + 4 : cp, type == 256 ? length - 4 : length))
                {
                    return -1;
                }
            }
            default -> {
                // SOA, TSIG and the rest show their data only with -v
            }
        }
        return rp;
    }

    private void type(final int type)
    {
        out.ch(' ');
        if (type < TYPES.length && TYPES[type] != null)
        {
            out.text(TYPES[type]);
        }
        else
        {
            out.text("Type").number(type);
        }
    }

    private void className(final int klass)
    {
        switch (klass)
        {
            case 1 -> out.text("IN");
            case 3 -> out.text("CHAOS");
            case 4 -> out.text("HS");
            case 255 -> out.text("ANY");
            default -> out.text("(Class ").number(klass).ch(')');
        }
    }
}
