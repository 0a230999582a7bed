package org.pipesfs.fs.files;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The root's {@code .ctl} opened for writing: each write holds one or more newline-separated
 * commands ({@code start}, {@code pause}, {@code stop}); an unknown one fails the write with
 * EINVAL, so {@code echo bogus > .ctl} reports an error to the shell.
 */
final class ControlFile implements OpenFile
{
    private static final int MAX_COMMAND = 256;

    private final SourcePump pump;
    private final UnsafeBuffer source = new UnsafeBuffer(0, 0);

    ControlFile(final SourcePump pump)
    {
        this.pump = pump;
    }

    public int read(final long address, final int size, final long offset, final MountState mount)
    {
        return -Errno.EBADF;
    }

    public int write(final long address, final int size)
    {
        if (size > MAX_COMMAND)
        {
            return -Errno.EINVAL;
        }
        final byte[] bytes = new byte[size];
        source.wrap(address, size);
        source.getBytes(0, bytes);
        for (final String line : new String(bytes, StandardCharsets.US_ASCII).split("\n"))
        {
            final String command = line.trim();
            if (!command.isEmpty() && !pump.control(command))
            {
                System.err.println("pipesfs: .ctl: unknown command '" + command + "': use start, pause or stop");
                return -Errno.EINVAL;
            }
        }
        return size;
    }

    public void close()
    {
    }
}
