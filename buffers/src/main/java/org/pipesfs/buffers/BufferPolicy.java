package org.pipesfs.buffers;

/**
 * What a producer does when a reader has not yet released the space it needs (the loss
 * policy). {@link #LOSSLESS} waits for the slowest open reader, like a Unix pipe;
 * {@link #LOSSY} never waits and lets readers that fall a whole ring behind be lapped.
 */
public enum BufferPolicy
{
    /** The producer waits for the slowest open reader; nothing is ever lost. */
    LOSSLESS,
    /** The producer never waits; lapped readers skip ahead and count what they lost. */
    LOSSY;

    /** Parses the command-line spelling, {@code lossless} or {@code lossy}. */
    public static BufferPolicy parse(final String text)
    {
        switch (text)
        {
            case "lossless":
                return LOSSLESS;
            case "lossy":
                return LOSSY;
            default:
                throw new IllegalArgumentException("unknown policy '" + text + "': use lossless or lossy");
        }
    }
}
