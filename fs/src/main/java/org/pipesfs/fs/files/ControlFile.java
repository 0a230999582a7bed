package org.pipesfs.fs.files;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The root's {@code .ctl} opened for writing: each write holds one or more newline-separated
 * commands ({@code start}, {@code pause}, {@code stop}); an unknown one, or one the source's
 * state refuses, fails the write with EINVAL, so {@code echo bogus > .ctl} reports an error to
 * the shell and the reason goes to the log.
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
            final String refused = command.isEmpty() ? null : pump.control(command);
            if (refused != null)
            {
                return Refusals.refuse(-Errno.EINVAL, "write", "/.ctl", refused);
            }
        }
        return size;
    }

    public void close()
    {
    }
}
