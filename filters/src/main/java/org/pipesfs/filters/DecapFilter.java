package org.pipesfs.filters;

import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.filters.decode.TunnelDecoder;

/**
 * {@code decap}: the innermost packet of every frame, with its tunnels stripped
 * ({@link TunnelDecoder} lists them). The element is a view into the same slot, starting at the
 * inner packet, with the inner link type: Ethernet for an inner Ethernet frame, raw IP
 * otherwise. Children decode it as a frame of that type, so {@code decap/ip6/tcp/http/get}
 * finds a GET inside L2TP inside PPPoE. A frame with no tunnel passes unchanged; a frame whose
 * encapsulation is malformed or truncated is dropped and counted ({@link #malformed()}).
 *
 * <p>Thread rule: the producer thread only, like every filter.
 */
public final class DecapFilter implements Filter.Transform
{
    private final String spec;
    private final TunnelDecoder tunnels = new TunnelDecoder();
    private long decapsulated;
    private long malformed;

    public DecapFilter(final String spec)
    {
        this.spec = spec;
    }

    public String spec()
    {
        return spec;
    }

    /** Not asked: a transform's node runs {@link #transform} instead. */
    public boolean accept(final PacketView packet)
    {
        return false;
    }

    public View view()
    {
        return View.FRAME;
    }

    public void transform(
        final PacketView packet, final int bufferId, final long position, final long sequence, final int offset,
        final int length, final Emitter out)
    {
        switch (tunnels.decode(packet))
        {
            case TunnelDecoder.PLAIN -> out.passThrough(position, sequence, offset, length);
            case TunnelDecoder.FOUND -> {
                decapsulated++;
                final int inner = tunnels.innerOffset();
                out.emitInner(position, sequence, inner, packet.length() - inner, tunnels.innerLinkType());
            }
            default -> malformed++;
        }
    }

    /**
     * True for a decap node and every node under one: their frames are inner packets of
     * several link types, which a pcap file shows as Ethernet (raw IP behind a made-up header).
     */
    public static boolean carriesInnerFrames(final Node node)
    {
        for (Node n = node; n != null; n = n.parent())
        {
            if (n.filter() instanceof DecapFilter)
            {
                return true;
            }
        }
        return false;
    }

    /** Frames whose tunnels were stripped. */
    public long decapsulated()
    {
        return decapsulated;
    }

    /** Frames dropped for a malformed or truncated encapsulation. */
    public long malformed()
    {
        return malformed;
    }

    public long lowestHeld(final int bufferId, final long none)
    {
        return none;
    }

    public void releaseBefore(final int bufferId, final long position, final Emitter out)
    {
    }

    public boolean holds()
    {
        return false;
    }
}
