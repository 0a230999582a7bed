package org.pipesfs.filters;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Which streams are alive, as end-of-file moves through a shell pipeline: the root while its
 * source runs, a filter while its parent lives, any node while it has a writer or a live
 * linked source, and a user node until its first writer has come and gone. A stream nothing
 * feeds any more ends once drained; one fed again restarts.
 *
 * <p>Thread rule: {@link #changed} from any thread; {@link #settle} under the graph's lock,
 * on the producer (after writers are released) or on the thread that opens a writer.
 */
final class Liveness
{
    private final Node root;
    private final Object lock;
    /** Writers or structure changed: the producer re-decides which streams have ended. */
    private volatile boolean changed;
    /** Set once every stream has ended for good (unmount): nothing restarts after it. */
    private volatile boolean ended;
    private volatile boolean sourceEnded;

    Liveness(final Node root, final Object lock)
    {
        this.root = root;
        this.lock = lock;
    }

    /** Something that decides liveness changed; the next {@link #settleIfChanged} looks again. */
    void changed()
    {
        changed = true;
    }

    void sourceEnded()
    {
        sourceEnded = true;
        changed = true;
    }

    boolean isEnded()
    {
        return ended;
    }

    /** Settles liveness if anything changed since the last time. Producer thread. */
    void settleIfChanged()
    {
        if (changed)
        {
            changed = false;
            settle();
        }
    }

    /** End of every stream for good (unmount): each node's readers get end-of-file once drained. */
    void endAll()
    {
        synchronized (lock)
        {
            ended = true;
            final ArrayDeque<Node> todo = new ArrayDeque<>();
            todo.add(root);
            while (!todo.isEmpty())
            {
                final Node node = todo.poll();
                node.output().end();
                todo.addAll(List.of(node.children()));
            }
        }
    }

    /**
     * Ends the streams nothing feeds any more and restarts those fed again. Runs on the
     * producer after writers are released, and on the opening thread when a writer opens, so
     * a reader that opens next already sees the new run. The root
     * while its source runs, a filter while its parent lives, any node while it has a writer or
     * a live linked source, and a user node until its first writer has come and gone.
     */
    void settle()
    {
        synchronized (lock)
        {
            if (ended)
            {
                return;
            }
            final List<Node> nodes = new ArrayList<>();
            final ArrayDeque<Node> todo = new ArrayDeque<>();
            todo.add(root);
            while (!todo.isEmpty())
            {
                final Node node = todo.poll();
                nodes.add(node);
                todo.addAll(List.of(node.children()));
            }
            final java.util.Set<Node> live = new java.util.HashSet<>();
            boolean grew = true;
            while (grew)
            {
                grew = false;
                for (final Node node : nodes)
                {
                    if (!live.contains(node) && isLive(node, live))
                    {
                        live.add(node);
                        grew = true;
                    }
                }
            }
            for (final Node node : nodes)
            {
                if (live.contains(node))
                {
                    node.output().restart();
                }
                else if (fedOnlyByWrites(node))
                {
                    node.output().endRun(); // like a FIFO: a reader opening now waits for the next writer
                }
                else
                {
                    node.output().end();
                }
            }
        }
    }

    private static boolean fedOnlyByWrites(final Node node)
    {
        for (Node up = node; !up.isRoot(); up = up.parent())
        {
            if (up.isUserNode())
            {
                return up.links.isEmpty();
            }
        }
        return false;
    }

    private boolean isLive(final Node node, final java.util.Set<Node> live)
    {
        if (node.isRoot())
        {
            return !sourceEnded;
        }
        if (node.writers() > 0 || (!node.isUserNode() && live.contains(node.parent())))
        {
            return true;
        }
        if (node.isUserNode() && !node.everWritten() && node.links.isEmpty())
        {
            return true; // like a FIFO, it waits for its first writer
        }
        for (final Node.Link link : node.links.values())
        {
            if (live.contains(link.source()))
            {
                return true;
            }
        }
        return false;
    }
}
