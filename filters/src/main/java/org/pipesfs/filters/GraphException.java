package org.pipesfs.filters;

/**
 * A refused graph operation: the POSIX errno the FUSE layer returns, and a one-line reason
 * for the log.
 */
public final class GraphException extends RuntimeException
{
    public static final int ENOENT = 2;
    public static final int ENOMEM = 12;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EINVAL = 22;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;

    private static final long serialVersionUID = 1L;
    private final int errno;

    public GraphException(final int errno, final String message)
    {
        super(message);
        this.errno = errno;
    }

    public int errno()
    {
        return errno;
    }
}
