package org.pipesfs.fs.files;

/**
 * A refusal the filesystem layer makes itself, before the graph is asked: a name too long, a
 * link target outside the mount, a caller without permission. Carries the errno to answer and
 * a one-line reason for the log.
 */
final class Refusal extends RuntimeException
{
    private static final long serialVersionUID = 1L;
    private final int errno;

    Refusal(final int errno, final String message)
    {
        super(message);
        this.errno = errno;
    }

    int errno()
    {
        return errno;
    }

    /** Throws a refusal with {@code errno} if there is a reason, {@code why}; null lets it pass. */
    static void ifAny(final int errno, final String why)
    {
        if (why != null)
        {
            throw new Refusal(errno, why);
        }
    }
}
