package org.pipesfs.fs.os;

import org.pipesfs.nic.os.LibC;

/**
 * Sleeps until the mount table changes. {@code /proc/self/mountinfo} reports a mount or unmount
 * in this namespace to poll(2) as POLLPRI (proc(5), Linux 2.6.15), and each poll that reports
 * it also re-arms it. So the unmount watcher reads the table once per change instead of ten
 * times a second: reading it cost 4 ms of CPU a second, and compiling that code 3.6 more,
 * over half of an idle mount's CPU.
 *
 * <p>Belongs to one thread. If the file cannot be opened, {@link #await} just sleeps, and the
 * caller reads the table as often as it did before.
 */
public final class MountTableChanges implements AutoCloseable
{
    private static final short POLLPRI = 0x002;
    private static final int O_RDONLY = 0;
    /** How often the table is read when it cannot be watched. */
    private static final int FALLBACK_MS = 100;

    private static final LibC LIBC = LibC.INSTANCE;

    /** One {@code struct pollfd}: int fd, short events, short revents. */
    private final byte[] pollfd = new byte[8];
    private final int fd;

    public MountTableChanges()
    {
        fd = LIBC.open("/proc/self/mountinfo", O_RDONLY);
        pollfd[0] = (byte)fd;
        pollfd[1] = (byte)(fd >>> 8);
        pollfd[2] = (byte)(fd >>> 16);
        pollfd[3] = (byte)(fd >>> 24);
        pollfd[4] = (byte)POLLPRI;
    }

    /**
     * Returns once the mount table has changed since the last call (or since construction), or
     * after {@code timeoutMs}, whichever is first.
     */
    public void await(final int timeoutMs) throws InterruptedException
    {
        pollfd[6] = 0;
        pollfd[7] = 0;
        final int ready = fd < 0 ? -1 : LIBC.poll(pollfd, 1, timeoutMs);
        if (ready < 0 || (ready > 0 && (pollfd[6] & POLLPRI) == 0))
        {
            Thread.sleep(Math.min(timeoutMs, FALLBACK_MS)); // no watch after all (POLLNVAL): as before
        }
    }

    public void close()
    {
        if (fd >= 0)
        {
            LIBC.close(fd);
        }
    }
}
