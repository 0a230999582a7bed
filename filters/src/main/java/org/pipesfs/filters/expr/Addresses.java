package org.pipesfs.filters.expr;

import org.pipesfs.filters.FilterSpecException;

/** Parses IPv4 and IPv6 literals and prefix masks into network-order bytes. */
public final class Addresses
{
    private Addresses()
    {
    }

    public static byte[] parseV4(final String text, final String context)
    {
        final byte[] bytes = parseV4Partial(text, context);
        if (text.split("\\.", -1).length != 4)
        {
            throw new FilterSpecException("'" + text + "' is not an IPv4 address (in '" + context + "')");
        }
        return bytes;
    }

    /** {@code A}, {@code A.B}, {@code A.B.C} or {@code A.B.C.D}, zero-filled to four bytes. */
    static byte[] parseV4Partial(final String text, final String context)
    {
        final String[] parts = text.split("\\.", -1);
        if (parts.length < 1 || parts.length > 4)
        {
            throw new FilterSpecException("'" + text + "' is not an IPv4 address (in '" + context + "')");
        }
        final byte[] bytes = new byte[4];
        for (int i = 0; i < parts.length; i++)
        {
            if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit))
            {
                throw new FilterSpecException("'" + text + "' is not an IPv4 address (hostnames are not supported; in '"
                    + context + "')");
            }
            final int value = Integer.parseInt(parts[i]);
            if (value > 255)
            {
                throw new FilterSpecException("'" + text + "' is not an IPv4 address (in '" + context + "')");
            }
            bytes[i] = (byte)value;
        }
        return bytes;
    }

    public static byte[] parseV6(final String text, final String context)
    {
        final String bad = "'" + text + "' is not an IPv6 address (in '" + context + "')";
        final int gap = text.indexOf("::");
        if (gap != text.lastIndexOf("::"))
        {
            throw new FilterSpecException(bad);
        }
        final String[] head = gap < 0 ? text.split(":", -1) : text.substring(0, gap).isEmpty() ? new String[0]
            : text.substring(0, gap).split(":", -1);
        final String[] tail = gap < 0 ? new String[0] : text.substring(gap + 2).isEmpty() ? new String[0]
            : text.substring(gap + 2).split(":", -1);
        if ((gap < 0 && head.length != 8) || head.length + tail.length > (gap < 0 ? 8 : 7))
        {
            throw new FilterSpecException(bad);
        }
        final byte[] bytes = new byte[16];
        for (int i = 0; i < head.length; i++)
        {
            putGroup(bytes, i, head[i], bad);
        }
        for (int i = 0; i < tail.length; i++)
        {
            putGroup(bytes, 8 - tail.length + i, tail[i], bad);
        }
        return bytes;
    }

    private static void putGroup(final byte[] bytes, final int group, final String hex, final String bad)
    {
        if (hex.isEmpty() || hex.length() > 4 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0))
        {
            throw new FilterSpecException(bad);
        }
        final int value = Integer.parseInt(hex, 16);
        bytes[2 * group] = (byte)(value >>> 8);
        bytes[2 * group + 1] = (byte)value;
    }

    /** A mask of {@code bits} leading one-bits over {@code length} bytes. */
    public static byte[] prefixMask(final int length, final int bits)
    {
        final byte[] mask = new byte[length];
        for (int i = 0; i < length; i++)
        {
            final int ones = Math.max(0, Math.min(8, bits - 8 * i));
            mask[i] = (byte)(0xff00 >>> ones);
        }
        return mask;
    }

    /**
     * A MAC address as pcap-filter writes one: six hex bytes split by ':' or '-'
     * ({@code 0:1:2:3:4:5} too), three groups of four split by '.', or twelve hex digits.
     */
    public static byte[] parseMac(final String text, final String context)
    {
        final String[] parts;
        if (text.indexOf(':') > 0 || text.indexOf('-') > 0)
        {
            parts = text.split("[:-]", -1);
        }
        else
        {
            final String digits = text.replace(".", "");
            if (digits.length() != 12 || (text.contains(".") && text.split("\\.", -1).length != 3))
            {
                throw new FilterSpecException("expr: '" + text + "' is not a MAC address in '" + context + "'");
            }
            parts = new String[6];
            for (int i = 0; i < 6; i++)
            {
                parts[i] = digits.substring(2 * i, 2 * i + 2);
            }
        }
        if (parts.length != 6)
        {
            throw new FilterSpecException("expr: '" + text + "' is not a MAC address in '" + context + "'");
        }
        final byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            if (!parts[i].matches("[0-9A-Fa-f]{1,2}"))
            {
                throw new FilterSpecException("expr: '" + text + "' is not a MAC address in '" + context + "'");
            }
            mac[i] = (byte)Integer.parseInt(parts[i], 16);
        }
        return mac;
    }
}
