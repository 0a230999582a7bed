package org.pipesfs.fs;

/** Per-open() state behind a FUSE file handle. */
interface OpenFile extends AutoCloseable
{
    /** Fills up to {@code size} bytes at native {@code address}; bytes, 0 at EOF, or -errno. */
    int read(long address, int size, long offset, MountState mount);

    @Override
    void close();
}
