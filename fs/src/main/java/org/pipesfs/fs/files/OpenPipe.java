package org.pipesfs.fs.files;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.fs.fuse.FuseInterrupts;
import org.pipesfs.fs.fuse.GatheredReply;
import org.pipesfs.fs.fuse.PollNotifier;
import org.pipesfs.nic.pcap.PcapFormat;
import org.pipesfs.nic.pcap.PcapRecordFormat;

/**
 * One open() of {@code all} or {@code all.pcap}: an independent reader at the live head of
 * the node's stream. Reads block in short slices until at least one element is there, so
 * that an interrupted or unmounted read ends promptly. Used by one FUSE thread at a time.
 */
public final class OpenPipe implements OpenFile, PollNotifier.Pollable
{
    /** How long one wait lasts before the read checks for interrupts again. */
    public static final long WAIT_SLICE_NS = 20_000_000L;

    private final IndexReader reader;
    private final ElementFormat format;
    private final boolean nonBlocking;
    private final UnsafeBuffer target = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer pcapHeader;
    /** {@link #readGathered} leaves this read to the copying path; no byte count or errno. */
    private static final int COPY = Integer.MIN_VALUE;
    /** Raw view: replies point into the data buffer ({@link GatheredReply}). */
    private final boolean gathers;
    private int headerSent;

    private OpenPipe(final IndexReader reader, final ElementFormat format, final int linkType, final boolean nonBlocking)
    {
        this.reader = reader;
        this.format = format;
        this.nonBlocking = nonBlocking;
        if (format instanceof PcapRecordFormat)
        {
            pcapHeader = new UnsafeBuffer(new byte[PcapFormat.GLOBAL_HEADER_LENGTH]);
            PcapFormat.writeGlobalHeader(pcapHeader, 0, linkType);
        }
        else
        {
            pcapHeader = null;
            headerSent = 0;
        }
        gathers = format == ElementFormat.VIEW;
    }

    /** The node's own elements, rendered by {@code format} (its view, or inspect's text lines). */
    public static OpenPipe raw(final IndexReader reader, final ElementFormat format, final boolean nonBlocking)
    {
        return new OpenPipe(reader, format, 0, nonBlocking);
    }

    public static OpenPipe pcap(final IndexReader reader, final int linkType, final boolean nonBlocking)
    {
        return new OpenPipe(reader, new PcapRecordFormat(linkType), linkType, nonBlocking);
    }

    /**
     * Fills {@code size} bytes at native {@code address} with whole elements (the pcap global
     * header first, on all.pcap). Returns bytes, 0 at end of stream, or a negated errno.
     */
    public int read(final long address, final int size, final long offset, final MountState mount)
    {
        if (mount.isClosing())
        {
            return 0; // unmounted: end of file, even while data still flows
        }
        final GatheredReply reply = gathers ? GatheredReply.current() : null;
        if (reply != null)
        {
            final int n = readGathered(reply, Math.min(size, reply.maxRead()), mount);
            if (n != COPY)
            {
                return n;
            }
        }
        target.wrap(address, size);
        int written = 0;
        if (pcapHeader != null && headerSent < PcapFormat.GLOBAL_HEADER_LENGTH)
        {
            final int n = Math.min(size, PcapFormat.GLOBAL_HEADER_LENGTH - headerSent);
            target.putBytes(0, pcapHeader, headerSent, n);
            headerSent += n;
            written = n;
            if (written == size)
            {
                return written;
            }
        }
        while (true)
        {
            final int n = reader.read(target, written, size - written, format);
            if (n > 0 || written > 0)
            {
                return written + n;
            }
            final int waited = await(mount);
            if (waited <= 0)
            {
                return waited;
            }
        }
    }

    /**
     * The read of a raw view: answers the request itself with the elements where they lie,
     * then moves the cursor. What it returns, libfuse's own answer, the kernel discards.
     * The reader can see the reply and send its next read, served by another worker, before
     * this one has moved the cursor; the lock makes that read wait, or it would get the same
     * elements again.
     *
     * @return as {@link #read}, or {@link #COPY} where a lossy gather gives up: then the read
     *         copies, as any other read does.
     */
    private int readGathered(final GatheredReply reply, final int size, final MountState mount)
    {
        while (true)
        {
            synchronized (this)
            {
                final int n = reader.gather(reply.begin(), size);
                if (n > 0)
                {
                    final int sent = reply.send();
                    if (sent != 0)
                    {
                        reader.abandonGathered();
                        return FuseInterrupts.interrupted() ? -Errno.EINTR : sent;
                    }
                    reader.advanceGathered();
                    return n;
                }
                if (n == IndexReader.NOT_GATHERED)
                {
                    return COPY;
                }
            }
            final int waited = await(mount);
            if (waited <= 0)
            {
                return waited;
            }
        }
    }

    /** Waits a slice for data: 1 to read again, 0 at end of stream, or a negated errno. */
    private int await(final MountState mount)
    {
        if (reader.isEnded() || mount.isClosing())
        {
            return 0;
        }
        if (nonBlocking)
        {
            return -Errno.EAGAIN;
        }
        if (FuseInterrupts.interrupted())
        {
            return -Errno.EINTR;
        }
        reader.await(WAIT_SLICE_NS);
        return 1;
    }

    /** True if a read would return data or end of stream now (for poll and select). */
    public boolean isReadable()
    {
        return (pcapHeader != null && headerSent < PcapFormat.GLOBAL_HEADER_LENGTH) || reader.isReadable();
    }

    /** Waits for a gathered reply under way: once closed, the producer may overwrite what it points at. */
    public synchronized void close()
    {
        reader.close();
    }
}
