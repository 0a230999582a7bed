package org.pipesfs.filters.expr;

import org.agrona.DirectBuffer;
import org.pipesfs.filters.decode.PacketView;

/**
 * The packet an {@code expr=} matcher runs on: one decoded view per VLAN depth, decoded only
 * when a primitive at that depth first asks (pcap-filter shifts every primitive after a
 * {@code vlan} keyword by one tag). An out-of-bounds load aborts the whole match, as a BPF
 * program rejects the packet. Single-threaded, reused for every packet.
 */
public final class ExprPacket
{
    static final int MAX_DEPTH = 4;

    private final PacketView[] views = new PacketView[MAX_DEPTH];
    private final long[] decodedFor = new long[MAX_DEPTH];
    private DirectBuffer buffer;
    private int base;
    private int length;
    private int originalLength;
    private int linkType;
    private long packet;
    private boolean aborted;

    public ExprPacket()
    {
        for (int i = 0; i < MAX_DEPTH; i++)
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

    PacketView view(final int depth)
    {
        if (decodedFor[depth] != packet)
        {
            views[depth].decode(buffer, base, length, linkType, depth);
            decodedFor[depth] = packet;
        }
        return views[depth];
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
