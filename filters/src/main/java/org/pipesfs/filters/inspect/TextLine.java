package org.pipesfs.filters.inspect;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.filters.decode.PacketView;

/**
 * One line of text built in place, in the forms tcpdump prints: decimal and hex numbers,
 * dotted IPv4, IPv6 as tcpdump's {@code addrtostr6} writes it, MAC addresses, time of day.
 * Bounded: what does not fit in {@link #CAPACITY} bytes is dropped, so a hostile packet can
 * make a line short but never make it allocate. Single-threaded and reused.
 */
public final class TextLine
{
    public static final int CAPACITY = 8192;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final UnsafeBuffer bytes = new UnsafeBuffer(new byte[CAPACITY]);
    private final byte[] digits = new byte[20];
    private int length;

    public void reset()
    {
        length = 0;
    }

    public int length()
    {
        return length;
    }

    public UnsafeBuffer buffer()
    {
        return bytes;
    }

    /** Drops what was written after {@code mark} (a {@link #length()} taken before). */
    void truncate(final int mark)
    {
        length = Math.min(length, mark);
    }

    public TextLine ch(final int c)
    {
        if (length < CAPACITY)
        {
            bytes.putByte(length++, (byte)c);
        }
        return this;
    }

    public TextLine text(final String ascii)
    {
        for (int i = 0; i < ascii.length(); i++)
        {
            ch(ascii.charAt(i));
        }
        return this;
    }

    /** A non-negative decimal (unsigned 32-bit values are passed as longs). */
    public TextLine number(final long value)
    {
        long v = value;
        int n = 0;
        do
        {
            digits[n++] = (byte)('0' + v % 10);
            v /= 10;
        }
        while (v > 0);
        while (n > 0)
        {
            ch(digits[--n]);
        }
        return this;
    }

    /** Lower-case hex with at least {@code width} digits. */
    public TextLine hex(final long value, final int width)
    {
        int n = 0;
        long v = value;
        do
        {
            digits[n++] = HEX[(int)(v & 15)];
            v >>>= 4;
        }
        while (v != 0);
        for (int i = n; i < width; i++)
        {
            ch('0');
        }
        while (n > 0)
        {
            ch(digits[--n]);
        }
        return this;
    }

    /** A byte as tcpdump's {@code fn_print_char} shows it: {@code M-} for high bytes, {@code ^} for control. */
    TextLine safe(final int b)
    {
        int c = b & 0xff;
        if (c > 0x7f)
        {
            c &= 0x7f;
            text("M-");
        }
        if (c < 0x20 || c == 0x7f)
        {
            c ^= 0x40;
            ch('^');
        }
        return ch(c);
    }

    public TextLine ipv4(final PacketView p, final int at)
    {
        for (int i = 0; i < 4; i++)
        {
            if (i > 0)
            {
                ch('.');
            }
            number(p.u8(at + i));
        }
        return this;
    }

    /** tcpdump's form: the first longest run of two or more zero groups as {@code ::}; {@code ::a.b.c.d} and {@code ::ffff:a.b.c.d}. */
    public TextLine ipv6(final PacketView p, final int at)
    {
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; )
        {
            int j = i;
            while (j < 8 && p.u16(at + 2 * j) == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        if (bestLength < 2)
        {
            bestStart = -1;
        }
        for (int i = 0; i < 8; i++)
        {
            if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLength)
            {
                if (i == bestStart)
                {
                    ch(':');
                }
                continue;
            }
            if (i != 0)
            {
                ch(':');
            }
            if (i == 6 && bestStart == 0 && (bestLength == 6 || (bestLength == 5 && p.u16(at + 10) == 0xffff)))
            {
                return ipv4(p, at + 12);
            }
            hex(p.u16(at + 2 * i), 1);
        }
        if (bestStart >= 0 && bestStart + bestLength == 8)
        {
            ch(':');
        }
        return this;
    }

    /**
     * {@code SRC[.SPORT] > DST[.DPORT]} of the IPv4 or IPv6 header at {@code ip}; a port below 0
     * is left out. The caller has checked that the addresses were captured.
     */
    TextLine endpoints(final PacketView p, final int ip, final int version, final int sport, final int dport)
    {
        address(p, version == 6 ? ip + 8 : ip + 12, version);
        if (sport >= 0)
        {
            ch('.').number(sport);
        }
        text(" > ");
        address(p, version == 6 ? ip + 24 : ip + 16, version);
        if (dport >= 0)
        {
            ch('.').number(dport);
        }
        return this;
    }

    /** An IPv4 ({@code version} 4) or IPv6 address. */
    TextLine address(final PacketView p, final int at, final int version)
    {
        return version == 6 ? ipv6(p, at) : ipv4(p, at);
    }

    public TextLine mac(final PacketView p, final int at)
    {
        for (int i = 0; i < 6; i++)
        {
            if (i > 0)
            {
                ch(':');
            }
            hex(p.u8(at + i), 2);
        }
        return this;
    }

    /** Time of day in UTC, microseconds: {@code HH:MM:SS.uuuuuu}. */
    public TextLine time(final long ns)
    {
        final long dayNs = Math.floorMod(ns, 86_400_000_000_000L);
        final long seconds = dayNs / 1_000_000_000L;
        two(seconds / 3600).ch(':').two(seconds / 60 % 60).ch(':').two(seconds % 60).ch('.');
        final long micros = dayNs % 1_000_000_000L / 1000;
        for (long divisor = 100_000; divisor > 0; divisor /= 10)
        {
            ch('0' + (int)(micros / divisor % 10));
        }
        return this;
    }

    private TextLine two(final long value)
    {
        return ch('0' + (int)(value / 10)).ch('0' + (int)(value % 10));
    }
}
