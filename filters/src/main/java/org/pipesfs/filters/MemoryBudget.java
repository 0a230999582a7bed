package org.pipesfs.filters;

/**
 * The mount-wide memory budget that node state counts against: each node's fixed share, its
 * filter's tables (a {@code stream} flow table, {@code defrag} areas) and its index ring. State
 * is reserved at its largest when the node is made or reconfigured, and allocated only when
 * used, so a node refused here fails its {@code mkdir} or {@code rename} with ENOMEM instead of
 * running the JVM out of memory later, on the producer. A node the user made has its ring
 * counted at once, so it can always be read; a class a classifier made has its ring counted
 * when its first reader opens, since a {@code stream} node may make thousands.
 *
 * <p>Thread rule: used under the graph's structure lock; {@link #used()} may be read anywhere.
 */
public final class MemoryBudget
{
    /** A node's own share: its object, maps, counters and an empty ring's bookkeeping. */
    public static final long NODE_BYTES = 4096;

    private final long limit;
    private volatile long used;

    public MemoryBudget(final long limit)
    {
        this.limit = limit;
    }

    /** Takes {@code bytes} if they fit. */
    boolean tryReserve(final long bytes)
    {
        if (bytes > limit - used)
        {
            return false;
        }
        used += bytes;
        return true;
    }

    /** Takes {@code bytes}, or throws ENOMEM saying what did not fit. */
    void reserve(final long bytes, final String what)
    {
        if (!tryReserve(bytes))
        {
            throw new GraphException(GraphException.Reason.NO_MEMORY, what + " needs " + mib(bytes) + " but only "
                + mib(limit - used) + " of the " + mib(limit) + " memory budget is left: remove nodes, or mount with a larger --memory");
        }
    }

    void release(final long bytes)
    {
        used -= bytes;
    }

    public long limit()
    {
        return limit;
    }

    public long used()
    {
        return used;
    }

    private static String mib(final long bytes)
    {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
