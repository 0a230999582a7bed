package org.pipesfs.fs.fuse;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.agrona.UnsafeApi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Lets the kernel send {@code read} requests of up to {@link #MAX_READ} bytes instead of
 * 128 KiB. The kernel splits a read into requests of at most {@code max_pages} pages, 32 unless
 * the filesystem's INIT reply sets {@code FUSE_MAX_PAGES} (protocol 7.28). libfuse 2 speaks
 * 7.19, so its reply never does. Each request costs a round trip through two wake-ups and
 * two context switches; on a stream they are the FUSE cost that a larger read divides.
 *
 * <p>{@link FuseLoop} hands the INIT request here. libfuse still processes it, so its session
 * state (protocol, capabilities, {@code init} callback) is what it always is, but it answers
 * into a pipe; the reply is then lengthened to the 7.28 layout with {@code max_pages} set and
 * written to the device. A kernel older than 7.28 gets libfuse's reply unchanged.
 *
 * <pre>
 * INIT request after the 40-byte fuse_in_header:   INIT reply after the 16-byte fuse_out_header:
 *   0 major  4 minor  8 max_readahead  12 flags      0 major  4 minor  8 max_readahead  12 flags
 *                                                   16 max_background (u16) 18 congestion (u16)
 *                                                   20 max_write  24 time_gran
 *                                                   28 max_pages (u16)  30 map_alignment (u16)
 *                                                   32 flags2 ... 64 (end of the 7.28+ layout)
 * </pre>
 *
 * The two headers are {@link FuseHeaders}'. Runs once per mount, on the worker that received
 * INIT, before any other request is served.
 */
public final class LargeReads
{
    /** Largest read the kernel will send: its default {@code max_pages_limit} of 256 pages. */
    public static final int MAX_READ = 1 << 20;
    static final int FUSE_INIT = 26;

    private static final int IN_MINOR_OFFSET = 4;
    private static final int IN_FLAGS_OFFSET = 12;
    private static final int FLAGS_OFFSET = 12;
    private static final int MAX_PAGES_OFFSET = 28;
    private static final int INIT_OUT_LENGTH = 64;
    /** libfuse 2's reply ends after max_write; the fields past it are zero, as the kernel reads them. */
    private static final int COMPAT_INIT_OUT_LENGTH = 24;
    private static final int FUSE_MAX_PAGES = 1 << 22;
    private static final int MAX_PAGES_MINOR = 28;
    private static final int PAGE_SIZE = 4096;

    private LargeReads()
    {
    }

    /**
     * Lets libfuse process the INIT request in {@code header}'s buffer, answering into a pipe,
     * and forwards the reply to {@code channel}'s device with {@code max_pages} set.
     */
    static void processInit(final LibFuse lib, final long session, final long header,
        final long request, final long channel)
    {
        final POSIX posix = POSIXFactory.getPOSIX();
        final int[] pipe = new int[2];
        if (posix.pipe(pipe) != 0)
        {
            lib.fuse_session_process_buf(session, header, channel);
            return;
        }
        final long answerChannel = lib.fuse_kern_chan_new(pipe[1]);
        if (answerChannel == 0)
        {
            posix.close(pipe[0]);
            posix.close(pipe[1]);
            lib.fuse_session_process_buf(session, header, channel);
            return;
        }
        lib.fuse_session_process_buf(session, header, answerChannel);
        lib.fuse_chan_destroy(answerChannel); // closes the pipe's write end
        final byte[] reply = new byte[FuseHeaders.OUT_LENGTH + INIT_OUT_LENGTH];
        final int length = posix.read(pipe[0], reply, reply.length);
        posix.close(pipe[0]);
        if (length < FuseHeaders.OUT_LENGTH)
        {
            return; // libfuse answered nothing; the kernel will fail the mount
        }
        final int minor = UnsafeApi.getInt(request + FuseHeaders.IN_LENGTH + IN_MINOR_OFFSET);
        final int offered = UnsafeApi.getInt(request + FuseHeaders.IN_LENGTH + IN_FLAGS_OFFSET);
        final ByteBuffer out = ByteBuffer.wrap(reply).order(ByteOrder.nativeOrder());
        int sent = length;
        if (out.getInt(FuseHeaders.OUT_ERROR_OFFSET) == 0 && minor >= MAX_PAGES_MINOR && (offered & FUSE_MAX_PAGES) != 0
            && length >= FuseHeaders.OUT_LENGTH + COMPAT_INIT_OUT_LENGTH)
        {
            sent = reply.length;
            out.putInt(FuseHeaders.OUT_LENGTH_OFFSET, sent);
            out.putInt(FuseHeaders.OUT_LENGTH + FLAGS_OFFSET, out.getInt(FuseHeaders.OUT_LENGTH + FLAGS_OFFSET) | FUSE_MAX_PAGES);
            out.putShort(FuseHeaders.OUT_LENGTH + MAX_PAGES_OFFSET, (short)(MAX_READ / PAGE_SIZE));
        }
        if (posix.write(lib.fuse_chan_fd(channel), reply, sent) != sent)
        {
            System.err.println("pipesfs: could not answer the kernel's INIT: " + posix.errno());
        }
    }
}
