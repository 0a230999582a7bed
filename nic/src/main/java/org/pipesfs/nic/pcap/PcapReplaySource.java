package org.pipesfs.nic.pcap;

import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.Ingest;

import java.nio.channels.FileChannel;

/**
 * Replays a pcap or pcapng capture: each record is copied once, from the file
 * window into its DBuf slot, with its own timestamp and link type. {@code speed=Nx} paces
 * records by their capture timestamps; {@code loop=N} replays the file N times. A file cut
 * off mid-record replays its whole records and then reports the truncation as its
 * {@link #problem()}. The file is opened and its first record read at construction, so a
 * missing, empty or corrupt file fails before anything is mounted.
 */
public final class PcapReplaySource implements FrameSource
{
    private final ReplaySpec spec;
    /** Whether problems are also logged to stderr (the mount's own replay), or only kept. */
    private final boolean logsProblems;
    private final CaptureReader reader;
    private final int primaryLinkType;
    private boolean pending;
    private long passes;
    private long firstCaptureNs = -1;
    private long firstReplayNs;
    private long packets;
    private long bytes;
    private long truncatedRecords;
    private final Ingest.Record record = new Replayed();
    private volatile String problem;

    public PcapReplaySource(final ReplaySpec spec)
    {
        this(spec, true);
    }

    /**
     * @param logsProblems false for a private replay (the mount's JIT warm-up), whose
     *        truncation reports would repeat the mount's own.
     */
    public PcapReplaySource(final ReplaySpec spec, final boolean logsProblems)
    {
        this(spec, CaptureReader.open(spec.file()), logsProblems);
    }

    /**
     * Replays a capture from an open channel, whose file may already have no name (the
     * mount's JIT warm-up unlinks its own before writing it, so a killed mount leaves no file);
     * {@link ReplaySpec#file()} only names it. The source closes the channel.
     */
    public PcapReplaySource(final ReplaySpec spec, final FileChannel channel, final boolean logsProblems)
    {
        this(spec, CaptureReader.open(spec.file(), channel), logsProblems);
    }

    private PcapReplaySource(final ReplaySpec spec, final CaptureReader reader, final boolean logsProblems)
    {
        this.spec = spec;
        this.logsProblems = logsProblems;
        this.reader = reader;
        try
        {
            pending = reader.next();
            if (!pending && reader.truncation() != null)
            {
                throw new CaptureFormatException(reader.truncation());
            }
        }
        catch (final RuntimeException ex)
        {
            reader.close();
            throw ex;
        }
        this.primaryLinkType = reader.primaryLinkType();
    }

    public int poll(final DataBuffer data, final FrameSink sink, final int limit)
    {
        int produced = 0;
        while (produced < limit)
        {
            if (!pending && !advance())
            {
                return produced > 0 ? produced : END;
            }
            if (spec.speed() > 0 && !due())
            {
                return produced;
            }
            pending = false;
            produced++;
            if (!Ingest.one(data, sink, record))
            {
                return END;
            }
        }
        return produced;
    }

    /** The capture's current record, copied once from the file window into its slot. */
    private final class Replayed implements Ingest.Record
    {
        public int maxLength()
        {
            return Math.min(reader.capturedLength(), DataBuffer.MAX_FRAME_LENGTH);
        }

        public int writeTo(final UnsafeBuffer frames, final int offset, final int room)
        {
            frames.putBytes(offset, reader.buffer(), reader.offset(), room);
            if (reader.originalLength() > room)
            {
                truncatedRecords++;
            }
            packets++;
            bytes += room;
            return room;
        }

        public int originalLength(final int captured)
        {
            return reader.originalLength();
        }

        public long timestampNs()
        {
            return reader.timestampNs();
        }

        public int linkType()
        {
            return reader.linkType();
        }
    }

    /** Moves to the next record, starting another pass if loops remain. */
    private boolean advance()
    {
        if (reader.next())
        {
            pending = true;
            return true;
        }
        if (reader.truncation() != null && problem == null)
        {
            problem = reader.truncation();
            if (logsProblems)
            {
                System.err.println("pipesfs: " + problem);
            }
        }
        passes++;
        if (spec.loops() != 0 && passes >= spec.loops())
        {
            if (truncatedRecords > 0 && logsProblems)
            {
                System.err.println("pipesfs: " + spec.file() + ": replayed " + packets + " records; "
                    + truncatedRecords + " of them were cut short when captured (snap length)");
            }
            return false;
        }
        reader.rewind();
        firstCaptureNs = -1;
        pending = reader.next();
        return pending;
    }

    @Override
    public void resumed(final long heldNs)
    {
        if (firstCaptureNs >= 0)
        {
            firstReplayNs += heldNs;
        }
    }

    private boolean due()
    {
        final long now = System.nanoTime();
        if (firstCaptureNs < 0)
        {
            firstCaptureNs = reader.timestampNs();
            firstReplayNs = now;
            return true;
        }
        final long offset = (long)((reader.timestampNs() - firstCaptureNs) / spec.speed());
        return now - firstReplayNs >= offset;
    }

    public int linkType()
    {
        return primaryLinkType;
    }

    public String describe()
    {
        return ReplaySpec.PREFIX + ":" + spec.file()
            + (spec.speed() > 0 ? ":speed=" + spec.speed() + "x" : "")
            + (spec.loops() != 1 ? ":loop=" + spec.loops() : "");
    }

    public long packets()
    {
        return packets;
    }

    public long bytes()
    {
        return bytes;
    }

    public double progress()
    {
        if (spec.loops() == 0)
        {
            return -1;
        }
        final double size = Math.max(1, reader.size());
        return Math.min(1.0, (passes * size + reader.position()) / (spec.loops() * size));
    }

    public long truncatedRecords()
    {
        return truncatedRecords;
    }

    public String problem()
    {
        return problem;
    }

    public void close()
    {
        reader.close();
    }
}
