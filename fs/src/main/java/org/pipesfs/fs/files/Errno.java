package org.pipesfs.fs.files;

/** The Linux errno values the FUSE layer returns, negated at the call site. */
public final class Errno
{
    static final int EPERM = 1;
    static final int ENOENT = 2;
    public static final int EINTR = 4;
    static final int EIO = 5;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int EMFILE = 24;
    static final int EXDEV = 18;
    static final int ENODEV = 19;
    static final int ESPIPE = 29;
    static final int EROFS = 30;
    static final int ENAMETOOLONG = 36;
    static final int ENOTEMPTY = 39;
    static final int ELOOP = 40;

    private Errno()
    {
    }

    /** The errno a graph refusal answers with: each reason is the one POSIX gives for it. */
    static int of(final org.pipesfs.filters.GraphException.Reason reason)
    {
        return switch (reason)
        {
            case NO_SUCH_NODE -> ENOENT;
            case NO_MEMORY -> ENOMEM;
            case BUSY -> EBUSY;
            case EXISTS -> EEXIST;
            case NOT_A_NODE -> ENOTDIR;
            case INVALID -> EINVAL;
            case NOT_EMPTY -> ENOTEMPTY;
            case LOOP -> ELOOP;
        };
    }
}
