package org.pipesfs.nic.pcap;

import java.nio.file.Path;

/**
 * The parsed {@code pcap:FILE[:speed=max|1x|Nx][:loop=N]} source spec. A speed of
 * 0 means as fast as readers allow; {@code loop=N} plays the file N times, 0 forever. Options
 * are taken from the end, so FILE may itself contain colons.
 */
public record ReplaySpec(Path file, double speed, long loops)
{
    public static final String PREFIX = "pcap";

    public static ReplaySpec parse(final String spec)
    {
        if (!spec.startsWith(PREFIX + ":") || spec.length() == PREFIX.length() + 1)
        {
            throw new IllegalArgumentException("expected pcap:FILE[:speed=max|1x|Nx][:loop=N], not '" + spec + "'");
        }
        String rest = spec.substring(PREFIX.length() + 1);
        double speed = 0;
        long loops = 1;
        while (true)
        {
            final int colon = rest.lastIndexOf(':');
            if (colon < 0)
            {
                break;
            }
            final String option = rest.substring(colon + 1);
            if (option.startsWith("speed="))
            {
                speed = parseSpeed(option.substring(6));
            }
            else if (option.startsWith("loop="))
            {
                loops = parseLoops(option.substring(5));
            }
            else
            {
                break;
            }
            rest = rest.substring(0, colon);
        }
        return new ReplaySpec(Path.of(rest), speed, loops);
    }

    private static double parseSpeed(final String text)
    {
        if ("max".equals(text))
        {
            return 0;
        }
        try
        {
            final double speed = Double.parseDouble(text.endsWith("x") ? text.substring(0, text.length() - 1) : text);
            if (speed > 0 && Double.isFinite(speed))
            {
                return speed;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // reported below
        }
        throw new IllegalArgumentException("bad replay speed '" + text + "': use max, 1x or Nx (N > 0)");
    }

    private static long parseLoops(final String text)
    {
        try
        {
            final long loops = Long.parseLong(text);
            if (loops >= 0)
            {
                return loops;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // reported below
        }
        throw new IllegalArgumentException("bad loop count '" + text + "': use loop=N with N >= 0 (0 = forever)");
    }
}
