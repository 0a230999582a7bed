package org.pipesfs.nic.synthetic;

/**
 * The parsed {@code synthetic[:count=N][:rate=PPS][:seed=S]} source spec.
 * A count of 0 means unbounded; a rate of 0 means as fast as readers allow.
 */
public record SyntheticSpec(long count, long rate, long seed)
{
    public static final String PREFIX = "synthetic";

    public static SyntheticSpec parse(final String spec)
    {
        final String[] parts = spec.split(":");
        if (!PREFIX.equals(parts[0]))
        {
            throw new IllegalArgumentException("not a synthetic source: " + spec);
        }
        long count = 0;
        long rate = 0;
        long seed = 1;
        for (int i = 1; i < parts.length; i++)
        {
            final String part = parts[i];
            final int eq = part.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("bad synthetic option '" + part + "': expected key=value");
            }
            final String key = part.substring(0, eq);
            final long value;
            try
            {
                value = Long.parseLong(part.substring(eq + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("bad number in synthetic option '" + part + "'");
            }
            switch (key)
            {
                case "count" -> count = requireNonNegative(key, value);
                case "rate" -> rate = requireNonNegative(key, value);
                case "seed" -> seed = value;
                default -> throw new IllegalArgumentException(
                    "unknown synthetic option '" + key + "': use count=, rate= or seed=");
            }
        }
        return new SyntheticSpec(count, rate, seed);
    }

    private static long requireNonNegative(final String key, final long value)
    {
        if (value < 0)
        {
            throw new IllegalArgumentException(key + " must not be negative: " + value);
        }
        return value;
    }
}
