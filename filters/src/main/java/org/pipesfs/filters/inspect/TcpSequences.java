package org.pipesfs.filters.inspect;

/**
 * tcpdump's relative TCP sequence numbers: per conversation (both directions under one key),
 * the sequence and acknowledgement numbers of the first segment with ACK set (or of any
 * SYN-ACK), which later segments are shown relative to. A fixed table of
 * {@link #SLOTS} conversations, probed a few slots from home; a newcomer that finds none free
 * takes its home slot, so memory stays fixed whatever the traffic.
 */
final class TcpSequences
{
    static final int SLOTS = 1 << 12;
    private static final int PROBES = 8;

    private final long[] a0 = new long[SLOTS];
    private final long[] a1 = new long[SLOTS];
    private final long[] b0 = new long[SLOTS];
    private final long[] b1 = new long[SLOTS];
    private final long[] ports = new long[SLOTS];
    private final long[] seq = new long[SLOTS];
    private final long[] ack = new long[SLOTS];
    private final boolean[] used = new boolean[SLOTS];
    private int found;

    /**
     * Looks up the conversation of (source a, destination b, ports) in canonical order;
     * {@code store} (not found, or SYN) records {@code seqBase} and {@code ackBase}.
     *
     * @return true if it was there and not replaced: the caller shows relative numbers.
     */
    boolean lookup(final long srcHi, final long srcLo, final long dstHi, final long dstLo, final long portKey,
        final boolean syn, final long seqBase, final long ackBase)
    {
        final long h = (srcHi * 31 + srcLo) * 31 + (dstHi * 31 + dstLo) * 17 + portKey * 0x9E3779B97F4A7C15L;
        final int home = (int)(h ^ h >>> 29) & (SLOTS - 1);
        int slot = -1;
        int free = -1;
        for (int i = 0; i < PROBES; i++)
        {
            final int at = (home + i) & (SLOTS - 1);
            if (!used[at])
            {
                free = free < 0 ? at : free;
                continue;
            }
            if (a0[at] == srcHi && a1[at] == srcLo && b0[at] == dstHi && b1[at] == dstLo && ports[at] == portKey)
            {
                slot = at;
                break;
            }
        }
        if (slot >= 0 && !syn)
        {
            found = slot;
            return true;
        }
        final int at = slot >= 0 ? slot : free >= 0 ? free : home;
        used[at] = true;
        a0[at] = srcHi;
        a1[at] = srcLo;
        b0[at] = dstHi;
        b1[at] = dstLo;
        ports[at] = portKey;
        seq[at] = seqBase;
        ack[at] = ackBase;
        found = at;
        return false;
    }

    /** The found conversation's recorded sequence number. */
    long seq()
    {
        return seq[found];
    }

    long ack()
    {
        return ack[found];
    }
}
