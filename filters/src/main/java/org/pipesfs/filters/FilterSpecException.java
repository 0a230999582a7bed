package org.pipesfs.filters;

/**
 * A directory name that is not a usable filter spec, such as {@code port=99999} or
 * {@code expr=tcp port}. The message is one line naming the offending part; the FUSE layer
 * maps it to EINVAL and logs it.
 */
public final class FilterSpecException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public FilterSpecException(final String message)
    {
        super(message);
    }
}
