package org.pipesfs.nic.pcap;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A window over a file: {@link #ensure} makes a byte range addressable in {@link #buffer()}
 * and returns its offset there. Single-threaded.
 *
 * <p>A file of up to {@link #MAP_LIMIT} bytes is mapped whole and stays mapped, so records are
 * read in place in the page cache and a looped replay faults in no page twice. A larger file
 * is read with {@code pread} in {@link #READ_LENGTH} blocks into one reused direct buffer.
 * Copying a gigabyte out of a fresh mapping cost 0.45 s on this project's EPYC guest, with
 * {@code MAP_POPULATE} too, so not for the faults; reading it block by block and copying from
 * there 0.12 s. A small file mapped and replayed seven times copies as fast as it reads
 *.
 *
 * <p>If a mapped file shrinks, an access past its new end raises an {@link InternalError}
 * (SIGBUS); if a read file shrinks, a read comes back short and raises a
 * {@link CaptureFormatException}. Either way the source reports it and stops.
 */
final class FileWindow implements AutoCloseable
{
    /** Largest block a window can hold. */
    static final int CAPACITY = 8 << 20;
    /** Largest file that is mapped rather than read: a 32-bit buffer index, few page tables. */
    static final long MAP_LIMIT = 256L << 20;
    /** Bytes read at a time: stays in L2 until the source has copied them out. */
    static final int READ_LENGTH = 256 << 10;
    private static final byte[] NOTHING = new byte[0];

    private final FileChannel channel;
    private final UnsafeBuffer buffer = new UnsafeBuffer(NOTHING);
    private final long size;
    private final ByteBuffer block;
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
        this(channel, MAP_LIMIT);
    }

    /** With the mapping limit given, so tests can read a small file block by block. */
    FileWindow(final FileChannel channel, final long mapLimit) throws IOException
    {
        this.channel = channel;
        try
        {
            size = channel.size();
            if (size <= mapLimit)
            {
                block = null;
                if (size > 0)
                {
                    mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
                    buffer.wrap(mapped);
                    filled = (int)size;
                }
            }
            else
            {
                block = ByteBuffer.allocateDirect(CAPACITY);
                buffer.wrap(block);
            }
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            channel.close(); // the window owns the channel, and there is no window
            throw ex;
        }
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
     * Makes {@code [position, position + length)} addressable; offsets from earlier calls may
     * no longer be.
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
            read(position, length);
        }
        return (int)(position - start);
    }

    /** Reads ahead from {@code position}; a file that shrank still gives what it has left. */
    private void read(final long position, final int length)
    {
        final int wanted = (int)Math.min(Math.max(length, READ_LENGTH), size - position);
        block.clear().limit(wanted);
        filled = 0;
        try
        {
            while (block.hasRemaining() && channel.read(block, position + block.position()) >= 0)
            {
                // a short read: read again from where it stopped
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        if (block.position() < length)
        {
            throw new CaptureFormatException("the file shrank while it was being replayed: it ends at offset "
                + (position + block.position()) + " of the " + size + " bytes it had");
        }
        start = position;
        filled = block.position();
    }

    public void close() throws IOException
    {
        if (mapped != null)
        {
            buffer.wrap(NOTHING);
            IoUtil.unmap(mapped);
            mapped = null;
        }
        channel.close();
    }
}
