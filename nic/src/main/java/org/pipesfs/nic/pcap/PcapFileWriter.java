package org.pipesfs.nic.pcap;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a classic pcap file (nanosecond, little-endian) from frames in Agrona buffers, through
 * one reused direct buffer. Used to make captures for tests and benchmarks; the live
 * {@code all.pcap} view renders records with {@link PcapRecordFormat} instead. Single-threaded.
 */
public final class PcapFileWriter implements AutoCloseable
{
    private static final int CHUNK = 1 << 20;

    private final FileChannel channel;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    private final UnsafeBuffer view = new UnsafeBuffer(chunk);
    private int used;
    private long records;

    public PcapFileWriter(final Path file, final int linkType) throws IOException
    {
        this(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING), linkType);
    }

    /** Writes from the channel's position on, into a file that may have no name; closing closes it. */
    public PcapFileWriter(final FileChannel channel, final int linkType)
    {
        this.channel = channel;
        PcapFormat.writeGlobalHeader(view, 0, linkType);
        used = PcapFormat.GLOBAL_HEADER_LENGTH;
    }

    /** Appends one record holding {@code frame[offset, offset + length)}, whole on the wire. */
    public void write(final DirectBuffer frame, final int offset, final int length, final long timestampNs)
        throws IOException
    {
        write(frame, offset, length, length, timestampNs);
    }

    /** Appends one record of which {@code length} of {@code originalLength} bytes were captured. */
    public void write(
        final DirectBuffer frame, final int offset, final int length, final int originalLength, final long timestampNs)
        throws IOException
    {
        final int needed = PcapFormat.RECORD_HEADER_LENGTH + length;
        if (needed > CHUNK)
        {
            throw new IllegalArgumentException("frame of " + length + " B is too large");
        }
        if (used + needed > CHUNK)
        {
            flush();
        }
        view.putInt(used + PcapFormat.TS_SECONDS_OFFSET, (int)(timestampNs / 1_000_000_000L), ByteOrder.LITTLE_ENDIAN);
        view.putInt(used + PcapFormat.TS_FRACTION_OFFSET, (int)(timestampNs % 1_000_000_000L), ByteOrder.LITTLE_ENDIAN);
        view.putInt(used + PcapFormat.CAPTURED_LENGTH_OFFSET, length, ByteOrder.LITTLE_ENDIAN);
        view.putInt(used + PcapFormat.ORIGINAL_LENGTH_OFFSET, Math.max(length, originalLength), ByteOrder.LITTLE_ENDIAN);
        view.putBytes(used + PcapFormat.RECORD_HEADER_LENGTH, frame, offset, length);
        used += needed;
        records++;
    }

    public long records()
    {
        return records;
    }

    private void flush() throws IOException
    {
        chunk.limit(used).position(0);
        while (chunk.hasRemaining())
        {
            channel.write(chunk);
        }
        chunk.clear();
        used = 0;
    }

    public void close() throws IOException
    {
        flush();
        channel.close();
    }
}
