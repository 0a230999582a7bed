package org.pipesfs.nic.pcap;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.Ingest;
import org.pipesfs.nic.os.LibC;

/**
 * {@code pcap:-}: a classic pcap stream on standard input, such as
 * {@code ssh host tcpdump -U -w - | pipesfs mount --source pcap:- DIR}. Each record keeps its
 * timestamp and the stream's link type, and is copied once, from the chunk read, into its
 * slot. Nothing is read until {@link #linkType} is first asked (the mount asks before it
 * mounts, so that {@code all.pcap} has its header); the command that only checks the spec
 * reads nothing. The stream ends at end of file; a stream that is not pcap, or stops in the
 * middle of a record, ends with a {@link #problem}. The producer's poll waits for input at
 * most {@link #IDLE_WAIT_MS}, so pause, stop and unmount act promptly.
 *
 * <p>Thread rule: the producer thread polls; {@link #linkType} may be called first from the
 * mounting thread, before the producer starts.
 */
public final class PcapStdinSource implements FrameSource
{
    public static final String SPEC = ReplaySpec.PREFIX + ":-";
    private static final int STDIN = 0;
    private static final int CHUNK = 1 << 18;
    private static final int IDLE_WAIT_MS = 10;
    private static final short POLLIN = 1;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;

    private final LibC libc = LibC.INSTANCE;
    private final UnsafeBuffer chunk = new UnsafeBuffer(BufferUtil.allocateDirectAligned(CHUNK, 64));
    private final PcapStreamParser parser = new PcapStreamParser();
    private final PcapStreamParser.RecordHandler handler = this::onRecord;
    private final Ingest.Copied record = new Ingest.Copied();
    private final byte[] pollfd = new byte[8];
    private volatile boolean headerRead;
    private boolean ended;
    private DataBuffer data;
    private FrameSink sink;
    private int produced;
    private volatile String problem;

    public int poll(final DataBuffer data, final FrameSink sink, final int limit)
    {
        if (ended || (!headerRead && !readHeader()))
        {
            return END;
        }
        pollfd[4] = (byte)POLLIN;
        pollfd[6] = 0;
        if (libc.poll(pollfd, 1, IDLE_WAIT_MS) <= 0)
        {
            return 0;
        }
        final long n = libc.read(STDIN, chunk.addressOffset(), CHUNK);
        if (n < 0)
        {
            final int errno = LibC.errno();
            return errno == EINTR || errno == EAGAIN ? 0 : end("cannot read standard input: " + libc.strerror(errno));
        }
        if (n == 0)
        {
            return parser.isAtBoundary() ? end(null) : end("standard input ended in the middle of a record");
        }
        this.data = data;
        this.sink = sink;
        produced = 0;
        final int result = parser.accept(chunk, 0, (int)n, handler);
        if (result == PcapStreamParser.MALFORMED)
        {
            end(parser.problem());
            return produced > 0 ? produced : END;
        }
        if (result == PcapStreamParser.STOPPED)
        {
            ended = true;
            return produced > 0 ? produced : END;
        }
        return produced;
    }

    private int end(final String why)
    {
        ended = true;
        if (why != null)
        {
            problem = SPEC + ": " + why;
            if (headerRead) // before it, the mount fails with this problem as its message
            {
                System.err.println("pipesfs: " + problem);
            }
        }
        return END;
    }

    private boolean onRecord(
        final DirectBuffer buffer, final int offset, final int capturedLength, final int originalLength,
        final long timestampNs, final int linkType)
    {
        produced++;
        return Ingest.one(data, sink, record.set(buffer, offset, capturedLength, originalLength, timestampNs, linkType));
    }

    /**
     * Reads the global header, waiting for it as long as it takes.
     *
     * @return false if standard input ended or is not pcap ({@link #problem} says which).
     */
    private synchronized boolean readHeader()
    {
        if (headerRead)
        {
            return true;
        }
        int have = 0;
        while (have < PcapFormat.GLOBAL_HEADER_LENGTH)
        {
            final long n = libc.read(STDIN, chunk.addressOffset() + have, PcapFormat.GLOBAL_HEADER_LENGTH - have);
            if (n == 0 || (n < 0 && LibC.errno() != EINTR))
            {
                end("standard input ended before a pcap header");
                return false;
            }
            have += (int)Math.max(0, n);
        }
        if (parser.accept(chunk, 0, have, handler) != PcapStreamParser.OK)
        {
            end(parser.problem());
            return false;
        }
        headerRead = true;
        return true;
    }

    /** The stream's link type: waits for the global header on first use. */
    public int linkType()
    {
        return readHeader() ? parser.linkType() : PcapFormat.LINKTYPE_ETHERNET;
    }

    public int batch()
    {
        return CHUNK / PcapFormat.RECORD_HEADER_LENGTH;
    }

    public String describe()
    {
        return SPEC;
    }

    public long packets()
    {
        return record.packets();
    }

    public long bytes()
    {
        return record.bytes();
    }

    public String problem()
    {
        return problem;
    }
}
