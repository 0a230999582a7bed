package org.pipesfs.fs;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.fs.files.MountState;
import org.pipesfs.fs.files.OpenPipe;
import org.pipesfs.fs.fuse.GatheredReply;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.kafka.KafkaSource;
import org.pipesfs.nic.pcap.PcapFileWriter;
import org.pipesfs.nic.pcap.PcapFormat;
import org.pipesfs.nic.pcap.PcapReplaySource;
import org.pipesfs.nic.pcap.PcapStdinSource;
import org.pipesfs.nic.pcap.ReplaySpec;
import org.pipesfs.nic.synthetic.SyntheticGenerator;
import org.pipesfs.nic.synthetic.SyntheticSource;
import org.pipesfs.nic.synthetic.SyntheticSpec;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Gets the per-frame and per-read code compiled before the mount's own traffic needs it.
 * HotSpot interprets a method until it has run thousands of times, then compiles it twice, on
 * the same two cores that carry the stream: in a 1 GB four-reader stream the compiler threads
 * took 15 % of all CPU and the stream ran a quarter slower than in a 4 GB one. While
 * a new mount waits for its readers or its start, one daemon thread produces traffic into a
 * private graph built as the mount's is ({@link MountAssembly}), a second one reads it through
 * the mount's own {@link OpenPipe} read path (gathered replies, sent to {@code /dev/null}, and
 * copied pcap records), and both are dropped at the end. They share code with the mount and
 * nothing else.
 *
 * <p>What is compiled is only as good as the profile it was compiled with: a branch the
 * warm-up never took is left out, and the first real element to take it throws the compiled
 * code away in the middle of the stream. So the traffic alternates between a small synthetic
 * capture, in which every large frame comes eight times in a row (so that gathered replies
 * get runs of 4 KiB), and the mount's own source replayed as fast as it goes; and the reader
 * runs on its own thread, so that the producer's waits for room and the readers' wake-ups
 * are taken too. It runs until the compiler has been quiet for a while, or the mount's source
 * produces its first frame, whichever comes first. {@code -Dpipesfs.warmup=false} turns it
 * off, for measuring what it saves.
 */
final class HotPathWarmup implements Runnable
{
    /** The least traffic before the compiler's quiet counts: C2 starts after thousands of calls. */
    private static final int MIN_FRAMES = 200_000;
    private static final int MAX_FRAMES = 4_000_000;
    private static final long MAX_NS = 3_000_000_000L;
    /** The compiler is quiet once it spent less than QUIET_MS compiling in a window this long. */
    private static final long QUIET_WINDOW_NS = 200_000_000L;
    private static final long QUIET_MS = 5;
    /** Holds many batches of the largest synthetic frames, so reads fill whole 1 MiB replies. */
    private static final int BUFFER_BYTES = 16 << 20;
    private static final int READ_BYTES = 1 << 20;
    /**
     * Frames of the generator in the warm-up capture, which is replayed for ever. Few enough
     * that writing them never makes the generator hot: its C2 compilations would otherwise
     * queue ahead of the mount's hot path on the one C2 thread of a two-core machine.
     */
    private static final int CAPTURE_FRAMES = 2_000;
    private static final int LARGE_FRAME = 1_000;
    private static final int LARGE_REPEATS = 8;
    private static final long FRAME_SPACING_NS = 10_000L;
    /**
     * Passes of a warm-up replay: a count, not 0 (endless), so that the end-of-pass check takes
     * the branch a mount's {@code loop=N} takes; with 0, C2 left it out and the mount's first
     * rewind threw the compiled replay loop away.
     */
    private static final long FOREVER = Long.MAX_VALUE;
    private static final String[] READ_NODES = {"/", "/ip/tcp/http", "/ip/udp/dns", "/ip6/tcp"};

    private final BufferPolicy policy;
    private final boolean bare;
    private final BooleanSupplier trafficStarted;
    private final String mountSource;
    private final String kafka;

    private HotPathWarmup(final BufferPolicy policy, final boolean bare, final BooleanSupplier trafficStarted,
        final String mountSource, final String kafka)
    {
        this.policy = policy;
        this.bare = bare;
        this.trafficStarted = trafficStarted;
        this.mountSource = mountSource;
        this.kafka = kafka;
    }

    /**
     * Starts the warm-up in the background, unless {@code pipesfs.warmup} is {@code false}. It
     * stops as soon as {@code trafficStarted} says the mount's own source is producing: on two
     * cores it would otherwise compete with a live capture's first burst, which then drops.
     *
     * @param mountSource the mount's {@code --source} spec, replayed alongside the synthetic
     *        capture; null for the synthetic capture alone. A live spec is never captured from.
     * @param kafka the mount's {@code --kafka} cluster, for a {@code kafka:} source; may be null.
     * @return the warm-up thread, or null if turned off.
     */
    static Thread start(final BufferPolicy policy, final boolean bare, final BooleanSupplier trafficStarted,
        final String mountSource, final String kafka)
    {
        if (!Boolean.parseBoolean(System.getProperty("pipesfs.warmup", "true")))
        {
            return null;
        }
        final Thread thread = new Thread(new HotPathWarmup(policy, bare, trafficStarted, mountSource, kafka), "pipesfs-warmup");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    public void run()
    {
        final NodeGraph graph = MountAssembly.graph(BUFFER_BYTES, policy, bare, Long.MAX_VALUE, null);
        final DataBuffer data = graph.data();
        final Reader reader = new Reader(graph);
        final Thread readerThread = new Thread(reader, "pipesfs-warmup-reader");
        readerThread.setDaemon(true);
        final List<FrameSource> sources = new ArrayList<>();
        try
        {
            sources.add(openCapture());
            final FrameSource mirror = mirrorOf(mountSource, kafka);
            if (mirror != null)
            {
                sources.add(mirror);
            }
            readerThread.start();
            produce(data, graph, sources.toArray(new FrameSource[0]));
        }
        finally
        {
            reader.stop();
            data.close(); // a producer or reader still waiting returns now
            join(readerThread);
            reader.close();
            sources.forEach(FrameSource::close);
        }
    }

    /**
     * The pump's loop: a batch from each source in turn, then wake the reader. A source with
     * nothing yet (a Kafka topic still being fetched) is asked again on its next turn.
     */
    private void produce(final DataBuffer data, final NodeGraph graph, final FrameSource[] sources)
    {
        final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        final long deadline = System.nanoTime() + MAX_NS;
        long windowNs = System.nanoTime();
        long windowCompileMs = jit.getTotalCompilationTime();
        long frames = 0;
        for (int turn = 0; frames < MAX_FRAMES && !trafficStarted.getAsBoolean(); turn++)
        {
            final long now = System.nanoTime();
            if (now > deadline)
            {
                return;
            }
            if (now - windowNs >= QUIET_WINDOW_NS)
            {
                final long compileMs = jit.getTotalCompilationTime();
                if (compileMs - windowCompileMs < QUIET_MS && frames >= MIN_FRAMES)
                {
                    return;
                }
                windowNs = now;
                windowCompileMs = compileMs;
            }
            final int produced = sources[turn % sources.length].poll(data, graph, FrameSource.BATCH);
            if (produced < 0)
            {
                return;
            }
            frames += produced;
            graph.publish();
        }
    }

    /**
     * A copy of the mount's source that replays as fast as it goes: the same capture looped
     * for ever, the same generator without a count or rate, or the same Kafka topic from its
     * start ({@link KafkaSource#mirrorOf}). Null for live capture, or if it cannot be opened
     * (the mount reports that itself).
     *
     * @param kafka the mount's {@code --kafka} cluster, for a {@code kafka:} source; may be null.
     */
    static FrameSource mirrorOf(final String spec, final String kafka)
    {
        if (spec == null)
        {
            return null;
        }
        try
        {
            if (spec.startsWith(ReplaySpec.PREFIX + ":") && !spec.equals(PcapStdinSource.SPEC)) // stdin is the mount's alone
            {
                return new PcapReplaySource(new ReplaySpec(ReplaySpec.parse(spec).file(), 0, FOREVER), false);
            }
            if (spec.startsWith(SyntheticSpec.PREFIX))
            {
                return new SyntheticSource(new SyntheticSpec(0, 0, SyntheticSpec.parse(spec).seed()));
            }
            if (spec.startsWith(KafkaSource.PREFIX + ":"))
            {
                return KafkaSource.mirrorOf(spec, kafka);
            }
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
        return null;
    }

    private static void join(final Thread thread)
    {
        try
        {
            thread.join(OpenPipe.WAIT_SLICE_NS / 1_000_000 * 10);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads the warm-up graph through the mount's own read path: a blocking {@link OpenPipe}
     * per view, as {@code cat} opens one, read in turn as a FUSE worker reads it (raw views
     * answered with a gathered reply, sent to {@code /dev/null} here instead of the FUSE device;
     * the root's {@code all.pcap} copied). Blocking as real readers do, so that the compiled read
     * has seen their branches, not a non-blocking reader's EAGAIN.
     */
    private static final class Reader implements Runnable
    {
        private final List<OpenPipe> pipes = new ArrayList<>();
        private final java.nio.ByteBuffer memory = ByteBuffer.allocateDirect(READ_BYTES);
        private final long address = org.agrona.BufferUtil.address(memory);
        private final MountState mount = new MountState();
        private volatile boolean running = true;

        Reader(final NodeGraph graph)
        {
            for (final String path : READ_NODES)
            {
                final Node node = graph.lookup(path);
                if (node != null)
                {
                    pipes.add(OpenPipe.raw(graph.openReader(node), ElementFormat.VIEW, false));
                }
            }
            pipes.add(OpenPipe.pcap(graph.openReader(graph.root()), PcapFormat.LINKTYPE_ETHERNET, false));
        }

        public void run()
        {
            final int devNull = jnr.posix.POSIXFactory.getPOSIX().open("/dev/null", 1, 0);
            GatheredReply.attach(devNull, READ_BYTES);
            try
            {
                while (running)
                {
                    for (final OpenPipe pipe : pipes)
                    {
                        pipe.read(address, READ_BYTES, 0, mount);
                    }
                }
            }
            finally
            {
                GatheredReply.detach();
                jnr.posix.POSIXFactory.getPOSIX().close(devNull);
            }
        }

        /** Ends the reads: a blocked one returns end-of-file, as on unmount. */
        void stop()
        {
            running = false;
            mount.close();
        }

        /** After the thread has ended: nothing reads any more. */
        void close()
        {
            pipes.forEach(OpenPipe::close);
        }
    }

    /**
     * The warm-up capture, replayed for ever; the generator itself if no temp file can be
     * written. The file loses its name before a byte is written, so a mount killed while it
     * writes leaves nothing in the temp directory; the replay reads it through a channel
     * opened before that.
     */
    private static FrameSource openCapture()
    {
        FileChannel channel = null;
        try
        {
            final Path capture = Files.createTempFile("pipesfs-warmup", ".pcap");
            final PcapFileWriter writer;
            try
            {
                channel = FileChannel.open(capture, StandardOpenOption.READ);
                writer = new PcapFileWriter(FileChannel.open(capture, StandardOpenOption.WRITE), PcapFormat.LINKTYPE_ETHERNET);
            }
            finally
            {
                Files.delete(capture);
            }
            writeCapture(writer);
            final FrameSource source = new PcapReplaySource(new ReplaySpec(capture, 0, FOREVER), channel, false);
            channel = null; // the source closes it
            return source;
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(channel);
            return new SyntheticSource(new SyntheticSpec(0, 0, 1));
        }
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignored)
            {
                // a read-only channel: nothing is lost
            }
        }
    }

    private static void writeCapture(final PcapFileWriter writer) throws IOException
    {
        final SyntheticGenerator generator = new SyntheticGenerator(1);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[SyntheticGenerator.MAX_FRAME]);
        long timestampNs = 0;
        try (writer)
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

}
