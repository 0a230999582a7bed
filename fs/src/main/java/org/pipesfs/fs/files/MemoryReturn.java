package org.pipesfs.fs.files;

import org.pipesfs.filters.MemoryBudget;

/**
 * Gives memory back to the system once nodes have gone. Removed nodes leave their tables as
 * garbage in the heap, and a heap that has grown stays grown until a full collection shrinks
 * it (the launcher bounds the free share with {@code -XX:MaxHeapFreeRatio}). So when the
 * budget in use has fallen by {@link #STEP} since the last look, one collection runs, on its
 * own thread, a second after the last removal: a script's burst of {@code rmdir} pays once.
 *
 * <p>Thread rule: {@link #nodesRemoved} from any thread; the collection runs on a daemon thread.
 */
final class MemoryReturn
{
    static final long STEP = 32L << 20;
    private static final long SETTLE_MS = 1_000;

    private final MemoryBudget budget;
    private long highWater;
    private long dueAtMs = Long.MAX_VALUE;

    MemoryReturn(final MemoryBudget budget)
    {
        this.budget = budget;
        final Thread thread = new Thread(this::run, "pipesfs-memory-return");
        thread.setDaemon(true);
        thread.start();
    }

    /** Called after a node is made or removed. */
    synchronized void nodesChanged()
    {
        final long used = budget.used();
        highWater = Math.max(highWater, used);
        if (highWater - used >= STEP)
        {
            dueAtMs = System.currentTimeMillis() + SETTLE_MS;
            notifyAll();
        }
    }

    private synchronized void run()
    {
        try
        {
            while (true)
            {
                final long now = System.currentTimeMillis();
                if (now < dueAtMs)
                {
                    wait(Math.min(dueAtMs - now, 60_000));
                    continue;
                }
                dueAtMs = Long.MAX_VALUE;
                highWater = budget.used();
                System.gc();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
