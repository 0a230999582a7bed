package org.pipesfs.fs;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.GatherList;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.pcap.PcapFileWriter;
import org.pipesfs.nic.pcap.PcapFormat;
import org.pipesfs.nic.pcap.PcapRecordFormat;
import org.pipesfs.nic.pcap.PcapReplaySource;
import org.pipesfs.nic.pcap.ReplaySpec;
import org.pipesfs.nic.synthetic.SyntheticGenerator;
import org.pipesfs.nic.synthetic.SyntheticSource;
import org.pipesfs.nic.synthetic.SyntheticSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Gets the per-frame code compiled before the mount's own traffic needs it. HotSpot interprets
 * a method until it has run thousands of times, then compiles it twice, on the same two cores
 * that carry the stream: in a 1 GB four-reader stream the compiler threads took 15 % of all CPU
 * and the stream ran a quarter slower than in a 4 GB one (issue 8). While a new mount waits for
 * its readers or its start, one daemon thread runs synthetic traffic through a private graph of
 * the mount's policy and shape, drains it through the reads the pipe files use (gathered runs,
 * copied views, pcap records), and drops it. It shares code with the mount and nothing else.
 * The traffic is a looped replay of a small synthetic capture in which every large frame comes
 * eight times in a row: replay is what benchmarks and scripts mount, and the synthetic mix
 * alone has almost no run of 4 KiB, so the gathered reply's direct segments went uncompiled
 * and C2 compiled {@code gather} and the replay loop again in the middle of the first stream.
 * {@code -Dpipesfs.warmup=false} turns it off, for measuring what it saves.
 */
final class HotPathWarmup implements Runnable
{
    /** Enough for C2 to compile the decoders, classifiers, ring appends and reads (PrintCompilation). */
    private static final int FRAMES = 200_000;
    private static final long MAX_NS = 2_000_000_000L;
    private static final int BATCH = 256;
    /**
     * Batches between drains: enough that reads fill whole 1 MiB replies and split elements, as
     * they do in a stream; draining every batch left those branches untaken, and C2's code for
     * them was thrown away and compiled again once real traffic took them.
     */
    private static final int DRAIN_EVERY = 32;
    /** Holds DRAIN_EVERY batches of the largest synthetic frames, so a lossless producer never waits here. */
    private static final int BUFFER_BYTES = 16 << 20;
    private static final int READ_BYTES = 1 << 20;
    /** Frames of the generator in the warm-up capture, replayed {@link #LOOPS} times. */
    private static final int CAPTURE_FRAMES = 20_000;
    private static final int LOOPS = 10;
    private static final int LARGE_FRAME = 1_000;
    private static final int LARGE_REPEATS = 8;
    private static final long FRAME_SPACING_NS = 10_000L;
    private static final String[] READ_NODES = {"/", "/ip/tcp/http", "/ip/udp/dns", "/ip6/tcp"};

    private final BufferPolicy policy;
    private final boolean bare;
    private final BooleanSupplier trafficStarted;

    private HotPathWarmup(final BufferPolicy policy, final boolean bare, final BooleanSupplier trafficStarted)
    {
        this.policy = policy;
        this.bare = bare;
        this.trafficStarted = trafficStarted;
    }

    /**
     * Starts the warm-up in the background, unless {@code pipesfs.warmup} is {@code false}. It
     * stops as soon as {@code trafficStarted} says the mount's own source is producing: on two
     * cores it would otherwise compete with a live capture's first burst, which then drops.
     *
     * @return the warm-up thread, or null if turned off.
     */
    static Thread start(final BufferPolicy policy, final boolean bare, final BooleanSupplier trafficStarted)
    {
        if (!Boolean.parseBoolean(System.getProperty("pipesfs.warmup", "true")))
        {
            return null;
        }
        final Thread thread = new Thread(new HotPathWarmup(policy, bare, trafficStarted), "pipesfs-warmup");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    public void run()
    {
        final DataBuffer data = new DataBuffer(BUFFER_BYTES, policy);
        final NodeGraph graph = new NodeGraph(data, policy, NodeGraph.indexEntriesFor(policy, data.capacity()));
        if (!bare)
        {
            graph.withDefaultTree();
        }
        final List<IndexReader> views = new ArrayList<>();
        for (final String path : READ_NODES)
        {
            final Node node = graph.lookup(path);
            if (node != null)
            {
                views.add(node.openReader());
            }
        }
        final IndexReader records = graph.root().openReader();
        final ElementFormat pcap = new PcapRecordFormat();
        final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(READ_BYTES));
        final GatherList list = new GatherList(READ_BYTES);
        final FrameSource source = openSource();
        final long deadline = System.nanoTime() + MAX_NS;
        try
        {
            for (int batch = 0; batch < FRAMES / BATCH && System.nanoTime() < deadline; batch++)
            {
                if (trafficStarted.getAsBoolean())
                {
                    return;
                }
                if (source.poll(data, graph, BATCH) <= 0)
                {
                    return;
                }
                graph.publish();
                if (batch % DRAIN_EVERY != DRAIN_EVERY - 1)
                {
                    continue;
                }
                for (final IndexReader view : views)
                {
                    drain(view, list, scratch);
                }
                while (records.read(scratch, 0, READ_BYTES, pcap) > 0)
                {
                    // pcap records, as all.pcap reads them
                }
            }
        }
        finally
        {
            views.forEach(IndexReader::close);
            records.close();
            source.close();
            data.close();
        }
    }

    /** The warm-up capture, replayed; the generator itself if no temp file can be written. */
    private static FrameSource openSource()
    {
        Path capture = null;
        try
        {
            capture = Files.createTempFile("pipesfs-warmup", ".pcap");
            writeCapture(capture);
            return new PcapReplaySource(new ReplaySpec(capture, 0, LOOPS));
        }
        catch (final IOException | RuntimeException ex)
        {
            return new SyntheticSource(new SyntheticSpec(0, 0, 1));
        }
        finally
        {
            if (capture != null)
            {
                try
                {
                    Files.deleteIfExists(capture); // the replay keeps its mapping
                }
                catch (final IOException ignored)
                {
                    // a stray temp file, nothing worse
                }
            }
        }
    }

    private static void writeCapture(final Path capture) throws IOException
    {
        final SyntheticGenerator generator = new SyntheticGenerator(1);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[SyntheticGenerator.MAX_FRAME]);
        long timestampNs = 0;
        try (PcapFileWriter writer = new PcapFileWriter(capture, PcapFormat.LINKTYPE_ETHERNET))
        {
            for (int i = 0; i < CAPTURE_FRAMES; i++)
            {
                final int length = generator.next(frame, 0);
                for (int copy = length >= LARGE_FRAME ? LARGE_REPEATS : 1; copy > 0; copy--)
                {
                    writer.write(frame, 0, length, timestampNs += FRAME_SPACING_NS);
                }
            }
        }
    }

    /** Reads a raw view the way {@link OpenPipe} does under the buffer's policy. */
    private static void drain(final IndexReader reader, final GatherList list, final UnsafeBuffer scratch)
    {
        if (reader.isLossless())
        {
            list.reset();
            while (reader.gather(list, READ_BYTES) > 0)
            {
                reader.advanceGathered();
                list.reset();
            }
        }
        else
        {
            while (reader.read(scratch, 0, READ_BYTES, ElementFormat.VIEW) > 0)
            {
                // copied views, as a lossy all reads them
            }
        }
    }
}
