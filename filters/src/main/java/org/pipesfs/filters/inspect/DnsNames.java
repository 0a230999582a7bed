package org.pipesfs.filters.inspect;

/**
 * Domain names and character strings in a DNS message, read and printed as tcpdump's
 * {@code ns_nskip}, {@code fqdn_print} and {@code ns_cprint} do: labels joined by dots,
 * compression pointers followed only backwards (so a pointer loop ends), non-printing bytes
 * shown as {@code M-} and {@code ^} escapes, names cut at 255 characters. Offsets are into the
 * frame; reads stop at the snap end.
 */
final class DnsNames
{
    private static final int MAX_NAME = 255;

    private final Snap s;
    private final TextLine out;

    DnsNames(final Snap snap, final TextLine line)
    {
        this.s = snap;
        this.out = line;
    }

    int characterString(final int at)
    {
        if (!s.has(at, 1))
        {
            return -1;
        }
        final int n = s.u8(at);
        return printable(at + 1, n) ? -1 : at + 1 + n;
    }

    /** @return true if the bytes ran past the snap end. */
    boolean printable(final int at, final int count)
    {
        int n = count;
        int cp = at;
        while (n > 0 && cp < s.end)
        {
            n--;
            out.safe(s.u8(cp++));
        }
        return n != 0;
    }

    /** Past a name, or -1. */
    int skipName(final int at)
    {
        int cp = at;
        if (!s.has(cp, 1))
        {
            return -1;
        }
        int i = s.u8(cp++);
        while (i != 0)
        {
            switch (i & 0xc0)
            {
                case 0xc0 -> {
                    return cp + 1;
                }
                case 0x40 -> {
                    if ((i & 0x3f) != 1 || !s.has(cp, 1))
                    {
                        return -1;
                    }
                    final int bits = s.u8(cp) == 0 ? 256 : s.u8(cp);
                    cp += 1 + (bits + 7) / 8;
                }
                case 0x80 -> {
                    return -1;
                }
                default -> cp += i;
            }
            if (!s.has(cp, 1))
            {
                return -1;
            }
            i = s.u8(cp++);
        }
        return cp;
    }

    private int labelLength(final int at)
    {
        if (!s.has(at, 1))
        {
            return -1;
        }
        final int i = s.u8(at);
        switch (i & 0xc0)
        {
            case 0x40 -> {
                out.text("<ELT ").number(i & 0x3f).ch('>');
                return -1;
            }
            case 0x80 -> {
                out.text("<BAD LABEL TYPE>");
                return -1;
            }
            default -> {
                return i;
            }
        }
    }

    /** Prints the name at {@code at} (the message starts at {@code bp}); returns where it ends, or -1. */
    int name(final int at, final int bp)
    {
        int cp = at;
        int l = labelLength(cp);
        if (l < 0 || !s.has(cp, 1))
        {
            return -1;
        }
        int maxOffset = cp - bp;
        int i = s.u8(cp++);
        int rp = -1;
        boolean compressed = false;
        if ((i & 0xc0) != 0xc0)
        {
            rp = cp + l;
        }
        if (i == 0)
        {
            out.ch('.');
            return rp;
        }
        int chars = 0;
        while (i != 0 && cp < s.end)
        {
            if ((i & 0xc0) == 0xc0)
            {
                if (!compressed)
                {
                    rp = cp + 1;
                    compressed = true;
                }
                if (!s.has(cp, 1))
                {
                    return -1;
                }
                final int offset = ((i << 8) | s.u8(cp)) & 0x3fff;
                if (offset >= maxOffset)
                {
                    out.text("<BAD PTR>");
                    return -1;
                }
                maxOffset = offset;
                cp = bp + offset;
                l = labelLength(cp);
                if (l < 0)
                {
                    return -1;
                }
                i = s.u8(cp++);
                continue;
            }
            if (chars + l <= MAX_NAME)
            {
                if (printable(cp, l))
                {
                    return -1;
                }
            }
            else if (chars < MAX_NAME && printable(cp, MAX_NAME - chars))
            {
                return -1;
            }
            chars += l;
            cp += l;
            if (chars <= MAX_NAME)
            {
                out.ch('.');
            }
            chars++;
            l = labelLength(cp);
            if (l < 0)
            {
                return -1;
            }
            i = s.u8(cp++);
            if (!compressed)
            {
                rp += l + 1;
            }
        }
        if (chars > MAX_NAME)
        {
            out.text("<DOMAIN NAME TOO LONG>");
        }
        return rp;
    }
}
