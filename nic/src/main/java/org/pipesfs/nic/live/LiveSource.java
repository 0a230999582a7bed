package org.pipesfs.nic.live;

import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.pcap.PcapFormat;

/**
 * {@code live:IFACE} (SPEC §4): frames from a real interface through an AF_PACKET socket,
 * received straight into a claimed DBuf slot, so no Java array is ever on the path. Each
 * frame is stamped with the wall clock when it is received. Lossy by default, like a NIC.
 */
public final class LiveSource implements FrameSource
{
    public static final String PREFIX = "live";
    /** How long an idle poll blocks in the kernel; bounds how late pause, stop and unmount act. */
    private static final int IDLE_WAIT_MS = 10;

    private final PacketSocket socket;
    private final long epochOffsetNs = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    private long packets;
    private long bytes;
    private volatile String problem;

    public LiveSource(final String spec)
    {
        if (!spec.startsWith(PREFIX + ":") || spec.length() == PREFIX.length() + 1)
        {
            throw new IllegalArgumentException("expected live:IFACE, not '" + spec + "'");
        }
        socket = new PacketSocket(spec.substring(PREFIX.length() + 1));
    }

    public int poll(final DataBuffer data, final FrameSink sink, final int limit)
    {
        final long base = data.buffer().addressOffset();
        int produced = 0;
        while (produced < limit)
        {
            final long position = data.claim(DataBuffer.MAX_FRAME_LENGTH);
            if (position < 0)
            {
                return END;
            }
            final long wire = socket.receive(base + data.frameOffset(position), DataBuffer.MAX_FRAME_LENGTH);
            if (wire == 0)
            {
                if (produced == 0)
                {
                    socket.awaitFrame(IDLE_WAIT_MS);
                }
                break;
            }
            if (wire < 0)
            {
                problem = "live capture on " + socket.interfaceName() + " failed: " + socket.describeError(wire);
                System.err.println("pipesfs: " + problem);
                return END;
            }
            final int captured = (int)Math.min(wire, DataBuffer.MAX_FRAME_LENGTH);
            final long sequence = data.commit(position, captured, (int)Math.min(wire, Integer.MAX_VALUE),
                epochOffsetNs + System.nanoTime(), linkType());
            packets++;
            bytes += captured;
            produced++;
            if (!sink.onFrame(position, sequence, captured))
            {
                return END;
            }
        }
        return produced;
    }

    public int linkType()
    {
        return PcapFormat.LINKTYPE_ETHERNET;
    }

    public String describe()
    {
        return PREFIX + ":" + socket.interfaceName();
    }

    public long packets()
    {
        return packets;
    }

    public long bytes()
    {
        return bytes;
    }

    public String problem()
    {
        return problem;
    }

    public boolean isLive()
    {
        return true;
    }

    public void close()
    {
        socket.close();
    }
}
