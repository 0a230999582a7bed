package org.pipesfs.nic.pcap;

import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A cursor over the packet records of a pcap or pcapng file. After {@link #next()} returns
 * true, the record's frame is at {@link #offset()} in {@link #buffer()} until the next call.
 * A file that ends in the middle of a record ends the cursor, and {@link #truncation()} then
 * says where. Anything else wrong throws {@link CaptureFormatException}. Single-threaded.
 */
public interface CaptureReader extends AutoCloseable
{
    /** libpcap's largest snapshot length; a record claiming more is corrupt. */
    int MAX_RECORD = 262_144;

    boolean next();

    DirectBuffer buffer();

    int offset();

    int capturedLength();

    int originalLength();

    long timestampNs();

    int linkType();

    /** Link type of the first interface: the one a single-link-type pcap view uses. */
    int primaryLinkType();

    /** Records returned so far. */
    long records();

    /** Bytes of the file consumed so far. */
    long position();

    long size();

    /** Null if the file ended on a record boundary; otherwise what was cut off. */
    String truncation();

    /**
     * Starts over at the first record, keeping the file mapped, for another pass of a looped
     * replay: opening the file again would fault every page in again, and would fail for a
     * capture read from a channel whose file has no name.
     */
    void rewind();

    @Override
    void close();

    /**
     * Opens a capture, recognising pcap (both byte orders, micro- and nanosecond) and pcapng by
     * their magic numbers.
     */
    static CaptureReader open(final Path file)
    {
        final FileWindow window;
        try
        {
            if (!Files.exists(file))
            {
                throw new CaptureFormatException(file + ": no such file");
            }
            if (Files.isDirectory(file))
            {
                throw new CaptureFormatException(file + ": is a directory, not a capture file");
            }
            window = new FileWindow(file);
        }
        catch (final NoSuchFileException ex)
        {
            throw new CaptureFormatException(file + ": no such file");
        }
        catch (final IOException ex)
        {
            throw new CaptureFormatException(file + ": cannot read: " + ex.getMessage());
        }
        return open(file, window);
    }

    /**
     * Opens a capture from an open channel, whose file may already have no name: a private
     * capture unlinked before it is written leaves nothing behind even if the process is killed.
     * The reader closes the channel.
     *
     * @param file the name its messages use.
     */
    static CaptureReader open(final Path file, final FileChannel channel)
    {
        try
        {
            return open(file, new FileWindow(channel));
        }
        catch (final IOException ex)
        {
            throw new CaptureFormatException(file + ": cannot read: " + ex.getMessage());
        }
    }

    private static CaptureReader open(final Path file, final FileWindow window)
    {
        try
        {
            if (window.size() == 0)
            {
                throw new CaptureFormatException(file + ": empty file, not a capture");
            }
            final int at = window.ensure(0, 4);
            if (at < 0)
            {
                throw new CaptureFormatException(file + ": " + window.size() + " bytes is too short for a capture header");
            }
            final int magic = window.buffer().getInt(at, ByteOrder.BIG_ENDIAN);
            if (magic == PcapNgReader.SHB_TYPE)
            {
                return new PcapNgReader(file, window);
            }
            return new PcapReader(file, window, magic);
        }
        catch (final RuntimeException ex)
        {
            try
            {
                window.close();
            }
            catch (final IOException ignored)
            {
                // the format error is what the user needs to see
            }
            throw ex;
        }
    }
}
