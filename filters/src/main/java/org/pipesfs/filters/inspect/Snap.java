package org.pipesfs.filters.inspect;

import org.pipesfs.filters.decode.PacketView;

/**
 * Bounds-checked reads of a frame up to its snap end: the captured bytes, cut back to the end of
 * the IP packet once that is known, as tcpdump cuts its snapshot. A read past the end throws
 * {@link Truncated}, the way tcpdump's {@code GET_} macros jump to its truncation message.
 */
final class Snap
{
    /** A read past the snap end: one preallocated instance without a stack trace. */
    static final class Truncated extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        static final Truncated INSTANCE = new Truncated();

        private Truncated()
        {
            super(null, null, false, false);
        }
    }

    PacketView packet;
    int end;
    /** The protocol being printed, named in the truncation message {@code [|PROTOCOL]}. */
    String protocol;

    void reset(final PacketView frame)
    {
        packet = frame;
        end = frame.length();
        protocol = "ether";
    }

    boolean has(final int at, final int count)
    {
        return at >= 0 && count >= 0 && at <= end - count;
    }

    void require(final int at, final int count)
    {
        if (!has(at, count))
        {
            throw Truncated.INSTANCE;
        }
    }

    int u8(final int at)
    {
        require(at, 1);
        return packet.u8(at);
    }

    int u16(final int at)
    {
        require(at, 2);
        return packet.u16(at);
    }

    long u32(final int at)
    {
        require(at, 4);
        return packet.s32(at) & 0xffffffffL;
    }
}
