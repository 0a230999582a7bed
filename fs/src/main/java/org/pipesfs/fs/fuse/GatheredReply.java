package org.pipesfs.fs.fuse;

import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;
import org.pipesfs.buffers.GatherList;
import org.pipesfs.nic.os.LibC;

import java.nio.ByteBuffer;

/**
 * A {@code read} reply that a {@link FuseLoop} worker writes to the FUSE device itself, with one
 * {@code writev(2)} whose segments point into the data buffer, so the kernel copies the bytes
 * straight into the reader's pages and Java copies none. libfuse still processes the
 * request and answers it afterwards; the kernel refuses that second answer with ENOENT, which
 * libfuse takes silently, as for an interrupted request, and the kernel never reuses a request id.
 * The reply starts with a {@link FuseHeaders} {@code fuse_out_header} carrying the request's id.
 *
 * <p>Thread rules: one per worker thread, found through {@link #current()}; the worker names the
 * request it is serving before libfuse calls the filesystem.
 */
public final class GatheredReply
{
    private static final int EINTR = 4;
    private static final LibC LIBC = LibC.INSTANCE;
    private static final ThreadLocal<GatheredReply> CURRENT = new ThreadLocal<>();

    private final int fd;
    private final int maxRead;
    private final GatherList list;
    private final ByteBuffer headerMemory = BufferUtil.allocateDirectAligned(FuseHeaders.OUT_LENGTH, 16);
    private final long header = BufferUtil.address(headerMemory);
    private long unique;

    private GatheredReply(final int fd, final int maxRead)
    {
        this.fd = fd;
        this.maxRead = maxRead;
        this.list = new GatherList(maxRead);
    }

    /** Makes the calling worker thread's reply, written to device {@code fd}, of up to {@code maxRead} bytes. */
    public static GatheredReply attach(final int fd, final int maxRead)
    {
        final GatheredReply reply = new GatheredReply(fd, maxRead);
        CURRENT.set(reply);
        return reply;
    }

    /** Forgets the calling thread's reply (a thread that served replies and goes on to other work). */
    public static void detach()
    {
        CURRENT.remove();
    }

    /** The most data bytes one reply carries. */
    public int maxRead()
    {
        return maxRead;
    }

    /** The calling thread's reply, or null on a thread that is no {@link FuseLoop} worker. */
    public static GatheredReply current()
    {
        return CURRENT.get();
    }

    /** Names the request at {@code request} (a libfuse request buffer) as the one being served. */
    void serving(final long request)
    {
        unique = FuseHeaders.unique(request);
    }

    /** Starts the data of a reply: an empty list whose first segment is the reply header. */
    public GatherList begin()
    {
        list.reset();
        list.segment(header, FuseHeaders.OUT_LENGTH);
        return list;
    }

    /**
     * Sends the list as the reply to the request being served.
     *
     * @return 0, or a negated errno: {@code -ENOENT} if the kernel no longer waits for it.
     */
    public int send()
    {
        UnsafeApi.putInt(header + FuseHeaders.OUT_LENGTH_OFFSET, list.length());
        UnsafeApi.putInt(header + FuseHeaders.OUT_ERROR_OFFSET, 0);
        UnsafeApi.putLong(header + FuseHeaders.OUT_UNIQUE_OFFSET, unique);
        while (true)
        {
            final long sent = LIBC.writev(fd, list.address(), list.count());
            if (sent >= 0)
            {
                return 0;
            }
            final int errno = LibC.errno();
            if (errno != EINTR)
            {
                return -errno;
            }
        }
    }
}
