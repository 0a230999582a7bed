package org.pipesfs.nic.synthetic;

/**
 * The parsed {@code synthetic[:count=N][:rate=PPS][:seed=S][:size=BYTES]} source spec.
 * A count of 0 means unbounded; a rate of 0 means as fast as readers allow; a size of 0 means
 * the generated traffic mix, any other size UDP frames of exactly that many bytes.
 */
public record SyntheticSpec(long count, long rate, long seed, int size)
{
    public SyntheticSpec(final long count, final long rate, final long seed)
    {
        this(count, rate, seed, 0);
    }

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
        int size = 0;
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
                case "size" -> size = requireFrameSize(value);
                default -> throw new IllegalArgumentException(
                    "unknown synthetic option '" + key + "': use count=, rate=, seed= or size=");
            }
        }
        return new SyntheticSpec(count, rate, seed, size);
    }

    private static int requireFrameSize(final long value)
    {
        if (value < FixedSizeFrames.MIN_SIZE || value > FixedSizeFrames.MAX_SIZE)
        {
            throw new IllegalArgumentException("size=" + value + ": a frame of " + FixedSizeFrames.MIN_SIZE + " to "
                + FixedSizeFrames.MAX_SIZE + " bytes");
        }
        return (int)value;
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
