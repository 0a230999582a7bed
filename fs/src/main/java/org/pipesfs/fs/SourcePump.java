package org.pipesfs.fs;

import org.pipesfs.filters.NodeGraph;
import org.pipesfs.nic.FrameSource;

import java.util.concurrent.locks.LockSupport;

/**
 * The data buffer's one producer thread: polls the NIC generator, which writes each frame
 * into a DBuf slot and hands it to the graph. When a finite source ends, the graph's streams
 * end too. Closing it stops the thread even while it waits for a lossless reader.
 */
final class SourcePump implements AutoCloseable
{
    /** Frames per poll: small enough to react to close promptly, large enough to amortise. */
    private static final int BATCH = 256;
    private static final long IDLE_NS = 100_000L;

    enum State
    {
        RUNNING, ENDED, STOPPED
    }

    private final FrameSource source;
    private final NodeGraph graph;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile State state = State.RUNNING;
    private volatile Throwable failure;

    SourcePump(final FrameSource source, final NodeGraph graph)
    {
        this.source = source;
        this.graph = graph;
        this.thread = new Thread(this::run, "pipesfs-source");
        this.thread.setDaemon(true);
    }

    void start()
    {
        thread.start();
    }

    State state()
    {
        return state;
    }

    FrameSource source()
    {
        return source;
    }

    Throwable failure()
    {
        return failure;
    }

    private void run()
    {
        try
        {
            while (running)
            {
                final int produced = source.poll(graph.data(), graph, BATCH);
                if (produced == FrameSource.END)
                {
                    state = running ? State.ENDED : State.STOPPED;
                    break;
                }
                if (produced == 0)
                {
                    LockSupport.parkNanos(IDLE_NS);
                }
            }
        }
        catch (final Throwable t)
        {
            failure = t;
            System.err.println("pipesfs: source failed: " + t);
            state = State.STOPPED;
        }
        finally
        {
            graph.end();
        }
    }

    public void close()
    {
        running = false;
        graph.data().close();
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (state == State.RUNNING)
        {
            state = State.STOPPED;
        }
        source.close();
    }
}
