package org.pipesfs.nic.pcap;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A sliding window over a file in one direct buffer: {@link #ensure} makes a byte range
 * addressable in {@link #buffer()} and returns its offset there. Records are read in place
 * and copied once, into their DBuf slot. Single-threaded.
 */
final class FileWindow implements AutoCloseable
{
    static final int CAPACITY = 8 << 20;

    private final FileChannel channel;
    private final ByteBuffer window;
    private final UnsafeBuffer buffer;
    private final long size;
    private long start;
    private int filled;

    FileWindow(final Path file) throws IOException
    {
        channel = FileChannel.open(file, StandardOpenOption.READ);
        size = channel.size();
        // A small file needs no more window than itself; zeroing 8 MiB per open is not free.
        window = ByteBuffer.allocateDirect((int)Math.min(CAPACITY, Math.max(size, 64)));
        buffer = new UnsafeBuffer(window);
    }

    long size()
    {
        return size;
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * Makes {@code [position, position + length)} addressable.
     *
     * @return its offset in {@link #buffer()}, or -1 if the file ends first.
     */
    int ensure(final long position, final int length)
    {
        if (length < 0 || length > CAPACITY)
        {
            throw new CaptureFormatException("a block of " + (length & 0xffffffffL) + " bytes at offset " + position
                + " is larger than any capture record");
        }
        if (position + length > size)
        {
            return -1;
        }
        if (position < start || position + length > start + filled)
        {
            refill(position);
        }
        return (int)(position - start);
    }

    private void refill(final long position)
    {
        try
        {
            window.clear();
            int read = 0;
            while (window.hasRemaining())
            {
                final int n = channel.read(window, position + read);
                if (n <= 0)
                {
                    break;
                }
                read += n;
            }
            start = position;
            filled = read;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public void close() throws IOException
    {
        channel.close();
    }
}
