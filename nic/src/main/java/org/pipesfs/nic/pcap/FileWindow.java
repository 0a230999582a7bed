package org.pipesfs.nic.pcap;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A sliding, memory-mapped window over a file: {@link #ensure} makes a byte range addressable
 * in {@link #buffer()} and returns its offset there. Records are read in place in the page
 * cache and copied once, into their DBuf slot. Reading the file into a buffer of our own
 * instead ({@code pread}) cost a second copy, a third of the source thread's time when a
 * stream was bound by it (issue 8). Single-threaded.
 *
 * <p>If the file shrinks while mapped, an access past its new end raises an
 * {@link InternalError} (SIGBUS) rather than reading garbage; the source reports it and stops.
 */
final class FileWindow implements AutoCloseable
{
    /** Largest block a window can hold. */
    static final int CAPACITY = 8 << 20;
    /** Bytes mapped at a time: a 32-bit buffer index, and few remaps for a large capture. */
    private static final long MAP_LENGTH = 256L << 20;
    private static final long PAGE_MASK = ~4095L;
    private static final byte[] NOTHING = new byte[0];

    private final FileChannel channel;
    private final UnsafeBuffer buffer = new UnsafeBuffer(NOTHING);
    private final long size;
    private MappedByteBuffer mapped;
    private long start;
    private int filled;

    FileWindow(final Path file) throws IOException
    {
        this(FileChannel.open(file, StandardOpenOption.READ));
    }

    /** Over an open channel, whose file may have no name any more; closing the window closes it. */
    FileWindow(final FileChannel channel) throws IOException
    {
        this.channel = channel;
        size = channel.size();
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
            remap(position);
        }
        return (int)(position - start);
    }

    private void remap(final long position)
    {
        unmap();
        final long aligned = position & PAGE_MASK;
        final long length = Math.min(MAP_LENGTH, size - aligned);
        try
        {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, aligned, length);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        buffer.wrap(mapped);
        start = aligned;
        filled = (int)length;
    }

    private void unmap()
    {
        if (mapped != null)
        {
            buffer.wrap(NOTHING);
            IoUtil.unmap(mapped);
            mapped = null;
            filled = 0;
        }
    }

    public void close() throws IOException
    {
        unmap();
        channel.close();
    }
}
