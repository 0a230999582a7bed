package org.pipesfs.fs.export;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.nic.transmit.PacketSender;

/**
 * Sends every element that reaches a {@code tx=IFACE} node on IFACE as one whole frame,
 * through a {@link PacketSender}: its thread reads the node's ring a megabyte at a time
 * ({@link FrameReads}) and lends the frames in that read straight to {@code sendmmsg(2)}, so each frame is copied once
 * out of the ring and once by the kernel. Only Ethernet frames go out; others are counted as
 * {@code refused}. Lossless: a full socket or interface queue is waited out, so the ring fills
 * and the source (and writers) wait in turn. Lossy: what the socket will not take at once is
 * dropped and counted.
 *
 * <p>Thread rule: the transmit thread reads and sends; any thread may read the counters and
 * close it.
 */
public final class InterfaceTransmit implements Export
{
    private final String spec;
    private final FrameReads reads;
    private final boolean lossless;
    private final PacketSender sender;
    private final FrameReads.Handler send = this::send;
    private final Thread thread;
    private volatile long refused;
    private volatile boolean closed;
    private volatile String problem;

    /**
     * @param spec the node's name when the transmit started; a rename ends it
     * @param reader the node's reader, which this owns from now on
     */
    public InterfaceTransmit(final String spec, final IndexReader reader, final String iface, final boolean lossless)
    {
        this.spec = spec;
        this.reads = new FrameReads(reader);
        this.lossless = lossless;
        PacketSender opened = null;
        try
        {
            opened = new PacketSender(iface);
        }
        catch (final IllegalArgumentException ex)
        {
            problem = ex.getMessage();
            System.err.println("pipesfs: " + spec + ": " + problem);
        }
        this.sender = opened;
        if (opened == null)
        {
            reads.close(); // sends nothing, so holds no lossless source back
            thread = null;
            return;
        }
        thread = new Thread(this::run, "pipesfs-tx-" + iface);
        thread.setDaemon(true);
        thread.start();
    }

    public String spec()
    {
        return spec;
    }

    public String stats()
    {
        final PacketSender s = sender;
        final String lastError = s == null ? null : s.lastError();
        return "sent " + (s == null ? 0 : s.sent())
            + "\nbytes_sent " + (s == null ? 0 : s.bytesSent())
            + "\nsend_errors " + (s == null ? 0 : s.sendErrors())
            + "\nrefused " + refused + "\n"
            + (problem != null ? "tx_problem " + problem + "\n" : lastError != null ? "tx_last_error " + lastError + "\n" : "");
    }

    public long lost()
    {
        return sender == null ? 0 : sender.dropped();
    }

    private void run()
    {
        try
        {
            while (!closed)
            {
                if (reads.read(send) > 0)
                {
                    sender.flush(lossless);
                }
                else if (reads.isEnded())
                {
                    return;
                }
                else
                {
                    reads.await();
                }
            }
        }
        catch (final RuntimeException ex)
        {
            problem = "transmit stopped: " + ex;
            System.err.println("pipesfs: " + spec + ": " + problem);
        }
    }

    /** Lends an Ethernet frame to the sender, which sends it by the next flush; counts any other. */
    private void send(
        final UnsafeBuffer buffer, final int offset, final int length, final long timestampNs, final int linkType,
        final int originalLength)
    {
        if (linkType == PacketView.LINKTYPE_ETHERNET)
        {
            sender.add(buffer.addressOffset() + offset, length, lossless);
        }
        else
        {
            refused++; // this thread is the only writer
        }
    }

    /** Stops reading and sending; a lossless transmit stops waiting for room, and what it still held is dropped. */
    public void close()
    {
        closed = true;
        if (thread != null)
        {
            sender.stop();
            try
            {
                thread.join(15_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            sender.close();
            reads.close();
        }
    }
}
