package org.pipesfs.nic.live;

import org.pipesfs.nic.os.LibC;

import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.Ingest;
import org.pipesfs.nic.pcap.PcapFormat;

import java.nio.ByteOrder;

/**
 * {@code live:IFACE[:promisc=no]}: frames from a real interface through an AF_PACKET socket,
 * read in place from the socket's mapped receive ring and copied once, into a claimed DBuf
 * slot, so no Java array is ever on the path. Each frame keeps the kernel's receive
 * timestamp. Lossy by default, like a NIC: a producer that falls behind leaves blocks with
 * the kernel, which drops what no longer fits, as a NIC would, and counts it
 * ({@link #kernelDropped}). As tcpdump does, the socket puts the interface in promiscuous mode
 * (a packet membership, which ends with the socket) unless {@code promisc=no}. With
 * {@code fanout=ID} the socket joins the kernel's {@code PACKET_FANOUT} group ID in hash mode:
 * every mount of the interface that names the same ID gets a disjoint share of the traffic,
 * both directions of a flow in the same share.
 */
public final class LiveSource implements FrameSource
{
    public static final String PREFIX = "live";
    /** How long an idle poll blocks in the kernel; bounds how late pause, stop and unmount act. */
    private static final int IDLE_WAIT_MS = 10;
    /**
     * At most this many frames per poll: more than a ring block holds at 64 B a frame, so that
     * a poll normally ends at the end of a block, readers wake once per block, and a 1 MiB read
     * takes most of it. Waking them every 256 frames instead cost 0.24-0.25 µs of CPU per
     * captured frame against 0.19-0.20, server and cat together, at 1 Mpps of 137-byte frames
     * (side by side).
     */
    private static final int MAX_BATCH = 16_384;

    /** The nice value the capture thread asks for. */
    static final int CAPTURE_NICE = -10;

    private final PacketSocket socket;
    private boolean favoured;
    private long packets;
    private long bytes;
    private final Ingest.Record record = new Received();
    private volatile String problem;
    private final boolean promiscuous;
    private final int fanout;
    private long kernelDropped;

    public LiveSource(final String spec)
    {
        if (!spec.startsWith(PREFIX + ":") || spec.length() == PREFIX.length() + 1)
        {
            throw new IllegalArgumentException("expected live:IFACE[:promisc=no][:fanout=ID], not '" + spec + "'");
        }
        String iface = spec.substring(PREFIX.length() + 1);
        boolean promiscuous = true;
        int fanout = -1;
        while (true)
        {
            final int colon = iface.lastIndexOf(':');
            final String option = colon < 0 ? "" : iface.substring(colon + 1);
            if (option.startsWith("promisc="))
            {
                final String value = option.substring("promisc=".length());
                if (!value.equals("yes") && !value.equals("no"))
                {
                    throw new IllegalArgumentException("live: promisc=" + value + ": use promisc=yes or promisc=no");
                }
                promiscuous = value.equals("yes");
            }
            else if (option.startsWith("fanout="))
            {
                fanout = parseFanout(option.substring("fanout=".length()));
            }
            else
            {
                break;
            }
            iface = iface.substring(0, colon);
        }
        this.promiscuous = promiscuous;
        this.fanout = fanout;
        socket = new PacketSocket(iface, promiscuous, fanout);
    }

    private static int parseFanout(final String value)
    {
        try
        {
            final int id = Integer.parseInt(value);
            if (id >= 0 && id <= 0xffff)
            {
                return id;
            }
        }
        catch (final NumberFormatException ex)
        {
            // refused below
        }
        throw new IllegalArgumentException("live: fanout=" + value + ": a group id from 0 to 65535");
    }

    public int poll(final DataBuffer data, final FrameSink sink, final int limit)
    {
        if (!favoured)
        {
            favourCallingThread();
        }
        boolean more = socket.next();
        if (!more)
        {
            final int error = socket.awaitFrame(IDLE_WAIT_MS);
            if (error != 0)
            {
                problem = "live capture on " + socket.interfaceName() + " failed: " + socket.describeError(error);
                System.err.println("pipesfs: " + problem);
                return END;
            }
            // A block that woke us is taken now: returning 0 would make the pump sleep another
            // 100 µs first, a second wake-up per block. A wait that timed out is not tested
            // here: it leaves more false for the loop's own test, which every block's
            // end also takes. A branch that only idleness takes is one C2 never saw during a
            // burst, and taking it threw this loop's compiled code away at every pause.
            more = socket.next();
        }
        int produced = 0;
        while (more)
        {
            if (!Ingest.one(data, sink, record))
            {
                return END;
            }
            more = ++produced < limit && !socket.isLastOfBlock() && socket.next();
        }
        return produced;
    }

    /**
     * The frame the socket's ring holds now, copied once from the ring into its slot, with its
     * 802.1Q tag put back after the MAC addresses where the kernel took one out, as tcpdump does.
     */
    private final class Received implements Ingest.Record
    {
        private static final int MAC_ADDRESSES = 12;
        private static final int VLAN_TAG = 4;

        /** Read from the frame's header once, in {@link #maxLength}, which the ingest step asks first. */
        private boolean tagged;

        public int maxLength()
        {
            final int captured = socket.capturedLength();
            tagged = captured >= MAC_ADDRESSES && socket.hasVlanTag();
            return Math.min(captured + (tagged ? VLAN_TAG : 0), DataBuffer.MAX_FRAME_LENGTH);
        }

        public int writeTo(final UnsafeBuffer frames, final int offset, final int room)
        {
            final long to = frames.addressOffset() + offset;
            if (tagged && room >= MAC_ADDRESSES + VLAN_TAG)
            {
                UnsafeApi.copyMemory(socket.frameAddress(), to, MAC_ADDRESSES);
                frames.putShort(offset + MAC_ADDRESSES, socket.vlanTpid(), ByteOrder.BIG_ENDIAN);
                frames.putShort(offset + MAC_ADDRESSES + 2, socket.vlanTci(), ByteOrder.BIG_ENDIAN);
                UnsafeApi.copyMemory(socket.frameAddress() + MAC_ADDRESSES, to + MAC_ADDRESSES + VLAN_TAG,
                    room - MAC_ADDRESSES - VLAN_TAG);
            }
            else
            {
                UnsafeApi.copyMemory(socket.frameAddress(), to, room);
            }
            packets++;
            bytes += room;
            return room;
        }

        public int originalLength(final int captured)
        {
            return Math.max(captured, socket.wireLength() + (tagged ? VLAN_TAG : 0));
        }

        public long timestampNs()
        {
            return socket.timestampNs();
        }

        public int linkType()
        {
            return LiveSource.this.linkType();
        }
    }

    /**
     * Asks the scheduler to favour the thread that polls (nice {@value #CAPTURE_NICE}), where
     * allowed (CAP_SYS_NICE; a capture needs root or CAP_NET_RAW anyway). On two cores, a cold
     * burst finds it sharing a core with the JIT compiler and the FUSE workers while the
     * sender holds the other: at nice 0 it waited for a CPU for 107–658 ms of a 1.3 s burst
     * (median 298, 75 captures), and the capture that waited longest overflowed the ring; at
     * -10, 104–365 ms (median 214), no loss in 75 captures alternated with them. Its
     * CPU is bounded by the line rate, so it cannot starve the rest for long.
     */
    private void favourCallingThread()
    {
        favoured = true;
        final LibC libc = LibC.INSTANCE;
        if (libc.setpriority(LibC.PRIO_PROCESS, libc.gettid(), CAPTURE_NICE) != 0)
        {
            System.err.println("pipesfs: live capture runs at normal priority: " + libc.strerror(LibC.errno()));
        }
    }

    /** A poll takes what is left of the kernel's current block, and ends with it. */
    public int batch()
    {
        return MAX_BATCH;
    }

    public int linkType()
    {
        return PcapFormat.LINKTYPE_ETHERNET;
    }

    public String describe()
    {
        return PREFIX + ":" + socket.interfaceName() + (promiscuous ? "" : ":promisc=no") + (fanout < 0 ? "" : ":fanout=" + fanout);
    }

    /** Reads the kernel's counter on the caller's thread ({@code .stats}); it resets on each read, so it is summed here. */
    @Override
    public synchronized long kernelDropped()
    {
        kernelDropped += socket.takeKernelDrops();
        return kernelDropped;
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

    public String captureInterface()
    {
        return socket.interfaceName();
    }

    @Override
    public boolean isLive()
    {
        return true;
    }

    public void close()
    {
        socket.close();
    }
}
