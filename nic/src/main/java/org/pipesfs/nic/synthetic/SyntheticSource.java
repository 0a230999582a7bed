package org.pipesfs.nic.synthetic;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.Ingest;
import org.pipesfs.nic.pcap.PcapFormat;

/**
 * The default NIC generator: frames from a {@link SyntheticGenerator} (or, with a size,
 * {@link FixedSizeFrames}), written straight into claimed DBuf slots, optionally paced to {@code rate} frames per second and
 * ending after {@code count} frames. Timestamps are the wall clock at generation; the frame
 * bytes depend on the seed alone.
 */
public final class SyntheticSource implements FrameSource
{
    private final SyntheticSpec spec;
    private final SyntheticGenerator generator;
    private final FixedSizeFrames fixed;
    private final long epochOffsetNs;
    private long startNs = -1;
    private long packets;
    private long bytes;
    private final Ingest.Record record = new Generated();

    public SyntheticSource(final SyntheticSpec spec)
    {
        this.spec = spec;
        this.generator = spec.size() == 0 ? new SyntheticGenerator(spec.seed()) : null;
        this.fixed = spec.size() == 0 ? null : new FixedSizeFrames(spec.size());
        this.epochOffsetNs = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    }

    public int poll(final DataBuffer data, final FrameSink sink, final int limit)
    {
        final long now = System.nanoTime();
        if (startNs < 0)
        {
            startNs = now;
        }
        long budget = limit;
        if (spec.count() > 0)
        {
            if (packets >= spec.count())
            {
                return END;
            }
            budget = Math.min(budget, spec.count() - packets);
        }
        if (spec.rate() > 0)
        {
            final long due = (now - startNs) * spec.rate() / 1_000_000_000L + 1 - packets;
            budget = Math.min(budget, Math.max(0, due));
        }
        int produced = 0;
        while (produced < budget)
        {
            produced++;
            if (!Ingest.one(data, sink, record))
            {
                return END;
            }
        }
        return produced;
    }

    @Override
    public void resumed(final long heldNs)
    {
        if (startNs >= 0)
        {
            startNs += heldNs;
        }
    }

    /** The generator's next frame, written straight into its slot. */
    private final class Generated implements Ingest.Record
    {
        public int maxLength()
        {
            return fixed == null ? SyntheticGenerator.MAX_FRAME : fixed.size();
        }

        public int writeTo(final UnsafeBuffer frames, final int offset, final int room)
        {
            final int length = fixed == null ? generator.next(frames, offset) : fixed.next(frames, offset);
            packets++;
            bytes += length;
            return length;
        }

        public int originalLength(final int captured)
        {
            return captured;
        }

        public long timestampNs()
        {
            return epochOffsetNs + System.nanoTime();
        }

        public int linkType()
        {
            return PcapFormat.LINKTYPE_ETHERNET;
        }
    }

    public double progress()
    {
        return spec.count() > 0 ? (double)packets / spec.count() : -1;
    }

    public int linkType()
    {
        return PcapFormat.LINKTYPE_ETHERNET;
    }

    public String describe()
    {
        return "synthetic:seed=" + spec.seed()
            + (spec.count() > 0 ? ":count=" + spec.count() : "")
            + (spec.rate() > 0 ? ":rate=" + spec.rate() : "")
            + (spec.size() > 0 ? ":size=" + spec.size() : "");
    }

    public long packets()
    {
        return packets;
    }

    public long bytes()
    {
        return bytes;
    }
}
