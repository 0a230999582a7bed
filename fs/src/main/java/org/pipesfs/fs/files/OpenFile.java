package org.pipesfs.fs.files;

/** Per-open() state behind a FUSE file handle. */
interface OpenFile extends AutoCloseable
{
    /** Fills up to {@code size} bytes at native {@code address}; bytes, 0 at EOF, or -errno. */
    int read(long address, int size, long offset, MountState mount);

    /** Accepts {@code size} bytes at native {@code address}; bytes taken or -errno. */
    default int write(final long address, final int size)
    {
        return -Errno.EBADF;
    }

    @Override
    void close();
}
