package org.pipesfs.filters.expr;

import org.agrona.DirectBuffer;
import org.pipesfs.filters.decode.PacketView;

/**
 * The packet an {@code expr=} matcher runs on: one decoded view per layer context
 * ({@link Layers}), decoded only when a primitive in that context first asks. An
 * out-of-bounds load aborts the whole match, as a BPF program rejects the packet.
 * Single-threaded, reused for every packet.
 */
public final class ExprPacket
{
    /** Views cached per packet, by context; a context that maps to a busy slot is decoded again. */
    private static final int SLOTS = 8;

    private final PacketView[] views = new PacketView[SLOTS];
    private final int[] contextOf = new int[SLOTS];
    private final long[] decodedFor = new long[SLOTS];
    private final PacketView scratch = new PacketView();
    private DirectBuffer buffer;
    private int base;
    private int length;
    private int originalLength;
    private int linkType;
    private long packet;
    private boolean aborted;

    public ExprPacket()
    {
        for (int i = 0; i < SLOTS; i++)
        {
            views[i] = new PacketView();
            decodedFor[i] = -1;
        }
    }

    /** Points at a new packet; views are decoded lazily. */
    public ExprPacket reset(
        final DirectBuffer buffer, final int base, final int length, final int originalLength, final int linkType)
    {
        this.buffer = buffer;
        this.base = base;
        this.length = length;
        this.originalLength = originalLength;
        this.linkType = linkType;
        this.aborted = false;
        packet++;
        return this;
    }

    /** The packet's layer for {@code context}. */
    PacketView view(final int context)
    {
        final int slot = (context ^ context >>> 9 ^ context >>> 18) & (SLOTS - 1);
        if (decodedFor[slot] != packet || contextOf[slot] != context)
        {
            Layers.decode(context, buffer, base, length, linkType, views[slot], scratch);
            decodedFor[slot] = packet;
            contextOf[slot] = context;
        }
        return views[slot];
    }

    int originalLength()
    {
        return originalLength;
    }

    void abort()
    {
        aborted = true;
    }

    boolean aborted()
    {
        return aborted;
    }
}
