package org.pipesfs.fs.export;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.FramedElementFormat;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.nic.transmit.PacketSender;

/**
 * Sends every element that reaches a {@code tx=IFACE} node on IFACE as one whole frame,
 * through a {@link PacketSender}: its thread reads the node's ring a megabyte at a time and
 * lends the frames in that read straight to {@code sendmmsg(2)}, so each frame is copied once
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
    private static final int READ_BYTES = 1 << 20;
    private static final long WAIT_SLICE_NS = 20_000_000L;

    private final String spec;
    private final IndexReader reader;
    private final boolean lossless;
    private final PacketSender sender;
    private final UnsafeBuffer elements = new UnsafeBuffer(BufferUtil.allocateDirectAligned(READ_BYTES, 64));
    private final FramedElementFormat format = new FramedElementFormat();
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
        this.reader = reader;
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
            reader.close(); // sends nothing, so holds no lossless source back
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
                final int n = reader.read(elements, 0, READ_BYTES, format);
                if (n > 0)
                {
                    sendAll(n);
                }
                else if (reader.isEnded())
                {
                    return;
                }
                else
                {
                    reader.await(WAIT_SLICE_NS);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            problem = "transmit stopped: " + ex;
            System.err.println("pipesfs: " + spec + ": " + problem);
        }
    }

    /** Sends the whole elements in the first {@code length} bytes of the read buffer, in order. */
    private void sendAll(final int length)
    {
        int at = 0;
        long notEthernet = 0;
        while (at + FramedElementFormat.PREFIX_LENGTH <= length)
        {
            final int captured = elements.getInt(at + FramedElementFormat.CAPTURED_LENGTH_OFFSET, FramedElementFormat.ORDER);
            final int frameAt = at + FramedElementFormat.PREFIX_LENGTH;
            if (captured < 0 || frameAt + captured > length)
            {
                break; // reads hand out whole elements; a torn prefix ends the batch
            }
            if (elements.getInt(at + FramedElementFormat.LINK_TYPE_OFFSET, FramedElementFormat.ORDER) == PacketView.LINKTYPE_ETHERNET)
            {
                sender.add(elements.addressOffset() + frameAt, captured, lossless);
            }
            else
            {
                notEthernet++;
            }
            at = frameAt + captured;
        }
        sender.flush(lossless);
        if (notEthernet > 0)
        {
            refused += notEthernet;
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
            reader.close();
        }
    }
}
