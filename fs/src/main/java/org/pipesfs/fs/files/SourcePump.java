package org.pipesfs.fs.files;

import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.Doorbell;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.pcap.CaptureFormatException;

import java.util.Locale;

/**
 * The data buffer's one producer thread: polls the NIC generator, which writes each frame
 * into a DBuf slot and hands it to the graph. {@code .ctl} starts, pauses and stops it; when a
 * finite source ends or is stopped, the graph's streams end too.
 *
 * <p>Under the lossless policy it produces only while some reader is open, as a FIFO writer
 * waits for a reader: frames nobody reads would be lost. When the first reader opens it waits
 * until no new reader has opened for {@link #SETTLE_NS} (at most {@link #MAX_SETTLE_NS} in all),
 * so readers a script starts together ({@code cat ... & tcpdump ... & echo start > .ctl})
 * all see the first frame, and readers that keep coming and going cannot starve the stream.
 */
public final class SourcePump implements AutoCloseable
{
    private static final long IDLE_NS = 100_000L;
    /**
     * How long a paused or reader-less pump sleeps between checks; writers ring it awake sooner.
     * At 1 ms an idle mount took 2 % of a core.
     */
    private static final long WAIT_NS = 10_000_000L;
    /**
     * tcpdump opens its file 26 ms after it starts here, 55 ms beside two busy loops; with
     * 150 ms, the canonical replay script's tcpdump has been seen to open after the replay of
     * http.pcap had ended, and read nothing.
     */
    static final long SETTLE_NS = 300_000_000L;
    /** The settle window never lasts longer than this, however often readers keep opening. */
    static final long MAX_SETTLE_NS = 1_000_000_000L;

    public enum State
    {
        PAUSED, RUNNING, ENDED, STOPPED;

        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final FrameSource source;
    private final NodeGraph graph;
    private final BufferPolicy policy;
    private final Thread thread;
    private volatile boolean closing;
    private volatile boolean stopRequested;
    private volatile State state;
    /** Set once the source has produced its first frame; the warm-up gives way to real traffic. */
    private volatile boolean produced;

    public SourcePump(final FrameSource source, final NodeGraph graph, final BufferPolicy policy, final boolean paused)
    {
        this.source = source;
        this.graph = graph;
        this.policy = policy;
        this.state = paused ? State.PAUSED : State.RUNNING;
        this.thread = new Thread(this::run, "pipesfs-source");
        this.thread.setDaemon(true);
    }

    public void start()
    {
        thread.start();
    }

    public State state()
    {
        return state;
    }

    public FrameSource source()
    {
        return source;
    }

    /** True once the source has produced a frame. */
    public boolean hasProduced()
    {
        return produced;
    }

    /**
     * Applies a {@code .ctl} command: {@code start}, {@code pause} or {@code stop}. A stopped or
     * ended source stays so: {@code start} and {@code pause} then fail, as a new mount is how a
     * replay starts again.
     *
     * @return null if applied, else why not.
     */
    String control(final String command)
    {
        final boolean over = stopRequested || state == State.ENDED || state == State.STOPPED;
        switch (command)
        {
            case "start" -> {
                if (over)
                {
                    return overReason();
                }
                if (state == State.PAUSED)
                {
                    state = State.RUNNING;
                }
            }
            case "pause" -> {
                if (over)
                {
                    return overReason();
                }
                if (state == State.RUNNING)
                {
                    state = State.PAUSED;
                }
            }
            case "stop" -> stopRequested = true;
            default -> {
                return "unknown command '" + command + "': use start, pause or stop";
            }
        }
        graph.inlet().bell().ring(); // a paused pump sleeps 10 ms at a time: act now
        return null;
    }

    private String overReason()
    {
        return "the source has " + (state == State.ENDED ? "ended" : "stopped") + " and does not start again: mount again to replay";
    }

    private void run()
    {
        final DataBuffer data = graph.data();
        final int batch = source.batch();
        boolean hadReaders = false;
        long firstReaderNs = 0;
        boolean sourceDone = false;
        long heldSinceNs = 0;
        try
        {
            while (!closing)
            {
                graph.reclaim();
                graph.serviceWrites();
                if (!sourceDone && stopRequested)
                {
                    sourceDone = true;
                    state = State.STOPPED;
                    graph.endSource();
                }
                if (sourceDone || state == State.PAUSED)
                {
                    heldSinceNs = held(heldSinceNs);
                    idle(WAIT_NS);
                    continue;
                }
                if (policy == BufferPolicy.LOSSLESS)
                {
                    final long now = System.nanoTime();
                    if (data.beltway().readerCount() == 0)
                    {
                        hadReaders = false;
                        firstReaderNs = 0;
                        heldSinceNs = held(heldSinceNs);
                        idle(WAIT_NS);
                        continue;
                    }
                    if (!hadReaders)
                    {
                        if (firstReaderNs == 0)
                        {
                            firstReaderNs = now;
                        }
                        if (now - data.beltway().lastReaderOpenedNs() < SETTLE_NS && now - firstReaderNs < MAX_SETTLE_NS)
                        {
                            idle(WAIT_NS);
                            continue;
                        }
                        hadReaders = true;
                    }
                }
                if (heldSinceNs != 0)
                {
                    source.resumed(System.nanoTime() - heldSinceNs);
                    heldSinceNs = 0;
                }
                final int count = source.poll(data, graph, batch);
                graph.publish();
                if (count > 0 && !produced)
                {
                    produced = true;
                }
                if (count == FrameSource.END)
                {
                    sourceDone = true;
                    state = closing ? State.STOPPED : State.ENDED;
                    graph.endSource();
                }
                else if (count == 0)
                {
                    idle(IDLE_NS);
                }
            }
            state = State.STOPPED;
        }
        catch (final InternalError fault)
        {
            // HotSpot turns SIGBUS on mapped memory into this: a replayed capture was truncated.
            System.err.println("pipesfs: source failed: " + source.describe()
                + ": the file shrank while it was being replayed (" + fault.getMessage() + ")");
            state = State.STOPPED;
        }
        catch (final CaptureFormatException ex)
        {
            // A capture found corrupt or cut short while it is replayed (a file read block by
            // block that shrank ends here, where a mapped one raises the InternalError above).
            System.err.println("pipesfs: source failed: " + source.describe() + ": " + ex.getMessage());
            state = State.STOPPED;
        }
        catch (final Throwable t)
        {
            System.err.println("pipesfs: source failed: " + t);
            state = State.STOPPED;
        }
        finally
        {
            graph.end();
        }
    }

    /** When the source was first held back, for {@link FrameSource#resumed}: now, if not yet. */
    private static long held(final long heldSinceNs)
    {
        return heldSinceNs != 0 ? heldSinceNs : System.nanoTime();
    }

    /** Waits up to {@code ns}, or less if a writer hands over an element. */
    private void idle(final long ns)
    {
        final Doorbell bell = graph.inlet().bell();
        final long ticket = bell.prepare();
        try
        {
            if (graph.inlet().isEmpty())
            {
                bell.await(ticket, ns);
            }
        }
        finally
        {
            bell.finish();
        }
    }

    public void close()
    {
        closing = true;
        graph.data().close();
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        source.close();
    }
}
