package org.pipesfs.fs.files;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * A small text file rendered once at open, such as {@code .stats}: every read of one open
 * sees the same consistent snapshot, and reads honour the offset like a regular file.
 */
final class SnapshotFile implements OpenFile
{
    private final byte[] content;
    private final UnsafeBuffer target = new UnsafeBuffer(0, 0);

    SnapshotFile(final String text)
    {
        this.content = text.getBytes(StandardCharsets.UTF_8);
    }

    public int read(final long address, final int size, final long offset, final MountState mount)
    {
        if (offset >= content.length)
        {
            return 0;
        }
        final int n = (int)Math.min(size, content.length - offset);
        target.wrap(address, n);
        target.putBytes(0, content, (int)offset, n);
        return n;
    }

    public void close()
    {
    }
}
