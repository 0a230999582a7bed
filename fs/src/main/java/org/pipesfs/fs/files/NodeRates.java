package org.pipesfs.fs.files;

import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Elements and bytes a second out of each node, over the last second, for {@code .stats}. A
 * daemon thread samples every node's counters each {@link #TICK_MS}; a rate compares the
 * counters now with the newest sample at least a second old. Nodes are held weakly, so a
 * removed node's samples go with it.
 *
 * <p>Thread rule: the sampling thread writes, any thread reads; the map's monitor orders them.
 */
final class NodeRates implements AutoCloseable
{
    static final long TICK_MS = 200;
    private static final long WINDOW_NS = 1_000_000_000L;
    /** Samples kept per node: the window and one tick to spare. */
    private static final int SAMPLES = (int)(WINDOW_NS / (TICK_MS * 1_000_000L)) + 2;

    /** A node's samples, oldest first, in a ring. */
    private static final class Samples
    {
        final long[] atNs = new long[SAMPLES];
        final long[] elements = new long[SAMPLES];
        final long[] bytes = new long[SAMPLES];
        int count;
        int next;
    }

    private final NodeGraph graph;
    private final Map<Node, Samples> samples = new WeakHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    NodeRates(final NodeGraph graph)
    {
        this.graph = graph;
        this.thread = new Thread(this::run, "pipesfs-rates");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** {@code {elements a second, bytes a second}} out of {@code node}; zeros until a second has passed. */
    long[] of(final Node node)
    {
        final long now = System.nanoTime();
        final long elements = node.elementsOut();
        final long bytes = node.bytesOut();
        synchronized (samples)
        {
            final Samples s = samples.get(node);
            if (s == null)
            {
                return new long[2];
            }
            for (int i = 1; i <= s.count; i++)
            {
                final int at = Math.floorMod(s.next - i, SAMPLES);
                final long elapsed = now - s.atNs[at];
                if (elapsed >= WINDOW_NS)
                {
                    return new long[] {
                        (elements - s.elements[at]) * WINDOW_NS / elapsed,
                        (bytes - s.bytes[at]) * WINDOW_NS / elapsed};
                }
            }
            return new long[2];
        }
    }

    private void run()
    {
        while (!closed)
        {
            sample();
            try
            {
                Thread.sleep(TICK_MS);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    private void sample()
    {
        final ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.add(graph.root());
        while (!todo.isEmpty())
        {
            final Node node = todo.poll();
            final long now = System.nanoTime();
            final long elements = node.elementsOut();
            final long bytes = node.bytesOut();
            synchronized (samples)
            {
                final Samples s = samples.computeIfAbsent(node, key -> new Samples());
                s.atNs[s.next] = now;
                s.elements[s.next] = elements;
                s.bytes[s.next] = bytes;
                s.next = (s.next + 1) % SAMPLES;
                s.count = Math.min(SAMPLES, s.count + 1);
            }
            for (final Node child : node.children())
            {
                todo.add(child);
            }
        }
    }

    public void close()
    {
        closed = true;
        thread.interrupt();
    }
}
