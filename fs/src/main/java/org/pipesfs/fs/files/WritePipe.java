package org.pipesfs.fs.files;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.HighResolutionClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.filters.WriteInlet;
import org.pipesfs.fs.fuse.FuseInterrupts;
import org.pipesfs.nic.pcap.PcapStreamParser;

import java.util.concurrent.locks.LockSupport;

/**
 * One open() of {@code all} or {@code all.pcap} for writing. On {@code all} each
 * {@code write()} is one element (of link type USER0, all payload, or Ethernet on a node that
 * transmits); on {@code all.pcap} the writes
 * form a pcap stream and each record becomes one element. Elements go to the producer through
 * the graph's {@link WriteInlet}; when it is full the write waits in short slices, as a pipe
 * writer waits for its reader, and Ctrl-C or unmount end the wait. Used by one FUSE thread at
 * a time.
 */
final class WritePipe implements OpenFile
{
    private static final long WAIT_SLICE_NS = 1_000_000L;

    private final WriteInlet inlet;
    private final int slot;
    private final PcapStreamParser parser;
    private final int rawLinkType;
    private final OpenPipe reader;
    private final MountState mount;
    private final UnsafeBuffer source = new UnsafeBuffer(0, 0);
    private final PcapStreamParser.RecordHandler handler = this::offer;

    /**
     * @param rawLinkType the link type of what is written to {@code all}
     * @param reader the reading side of an {@code O_RDWR} open, or null.
     */
    WritePipe(
        final WriteInlet inlet, final int slot, final boolean pcap, final int rawLinkType, final OpenPipe reader,
        final MountState mount)
    {
        this.rawLinkType = rawLinkType;
        this.inlet = inlet;
        this.slot = slot;
        this.parser = pcap ? new PcapStreamParser() : null;
        this.reader = reader;
        this.mount = mount;
    }

    public int read(final long address, final int size, final long offset, final MountState state)
    {
        return reader == null ? -Errno.EBADF : reader.read(address, size, offset, state);
    }

    /**
     * One element, or the next piece of a pcap stream. An element longer than the largest one a
     * data buffer slot holds is cut into consecutive elements.
     */
    public int write(final long address, final int size)
    {
        if (parser != null)
        {
            final int result = parser.accept(address, size, handler);
            if (result == PcapStreamParser.MALFORMED)
            {
                System.err.println("pipesfs: all.pcap: " + parser.problem());
                return -Errno.EINVAL;
            }
            return result == PcapStreamParser.STOPPED ? -Errno.EINTR : size;
        }
        source.wrap(address, size);
        final long now = HighResolutionClock.epochNanos();
        final int most = Math.min(inlet.maxElementLength(), org.pipesfs.buffers.DataBuffer.MAX_FRAME_LENGTH);
        int at = 0;
        do
        {
            final int length = Math.min(most, size - at);
            if (!offer(source, at, length, length, now, rawLinkType))
            {
                return at > 0 ? at : -Errno.EINTR;
            }
            at += length;
        }
        while (at < size);
        return size;
    }

    /** Hands one element over, waiting while the inlet is full; false if interrupted or unmounted. */
    private boolean offer(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int originalLength,
        final long timestampNs,
        final int linkType)
    {
        while (!inlet.offer(slot, buffer, offset, length, linkType, originalLength, timestampNs))
        {
            if (mount.isClosing() || FuseInterrupts.interrupted())
            {
                return false;
            }
            LockSupport.parkNanos(WAIT_SLICE_NS);
        }
        return true;
    }

    boolean isReadable()
    {
        return reader != null && reader.isReadable();
    }

    public void close()
    {
        if (parser != null && !parser.isAtBoundary())
        {
            System.err.println("pipesfs: all.pcap: writer closed in the middle of a record; that record is dropped");
        }
        inlet.close(slot);
        if (reader != null)
        {
            reader.close();
        }
    }
}
