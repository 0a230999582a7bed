package org.pipesfs.fs.files;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.fs.fuse.FuseInterrupts;

/**
 * One open() of the root {@code .log}: the last {@link RecentMessages#KEPT} lines of the
 * server's log, then each new line as it comes, like {@code dmesg -w}. A read waits for a line
 * in short slices, so Ctrl-C and unmount end it promptly; unmount gives end of file. A reader
 * that falls more than the ring behind skips what the ring no longer holds. Used by one FUSE
 * thread at a time.
 */
final class LogFile implements OpenFile
{
    private static final long WAIT_SLICE_MS = 20;

    private final RecentMessages messages;
    private final UnsafeBuffer target = new UnsafeBuffer(0, 0);
    private long line;
    /** Bytes of the current line already handed out, when it did not fit in one read. */
    private int sent;

    LogFile(final RecentMessages messages)
    {
        this.messages = messages;
        this.line = messages.oldest();
    }

    public int read(final long address, final int size, final long offset, final MountState mount)
    {
        target.wrap(address, size);
        int written = 0;
        while (true)
        {
            if (mount.isClosing())
            {
                return written;
            }
            final long at = messages.skipTo(line);
            if (at != line)
            {
                line = at;
                sent = 0;
            }
            final byte[] bytes = messages.line(line);
            if (bytes != null)
            {
                final int n = Math.min(bytes.length - sent, size - written);
                target.putBytes(written, bytes, sent, n);
                written += n;
                sent += n;
                if (sent == bytes.length)
                {
                    line++;
                    sent = 0;
                }
                if (written == size)
                {
                    return written;
                }
                continue;
            }
            if (written > 0)
            {
                return written;
            }
            if (FuseInterrupts.interrupted())
            {
                return -Errno.EINTR;
            }
            try
            {
                messages.await(line, WAIT_SLICE_MS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return -Errno.EINTR;
            }
        }
    }

    public void close()
    {
    }
}
