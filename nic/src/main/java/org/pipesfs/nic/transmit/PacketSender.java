package org.pipesfs.nic.transmit;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.nic.os.LibC;

import java.util.concurrent.locks.LockSupport;

/**
 * Sends whole frames on one network interface through an AF_PACKET raw socket, in batches of
 * up to {@link #BATCH} frames with one {@code sendmmsg(2)} each. The caller lends each frame as
 * a native address until the next {@link #flush}; the kernel copies it into its own buffer, so
 * the frames go out with no copy here. A frame the interface cannot take (longer than its MTU
 * plus the link header, shorter than an Ethernet header, the interface down) is counted in
 * {@link #sendErrors} and skipped. A full socket or queue ({@code EAGAIN}, {@code ENOBUFS})
 * is waited out when the caller asks for back-pressure, and otherwise dropped and counted.
 *
 * <p>A batch is an array of {@code struct mmsghdr} (LP64 Linux), {@value #MESSAGE_LENGTH} bytes each:
 * <pre>
 *   0   void*   msg_name        0: the interface the socket is bound to
 *   8   u32     msg_namelen     0
 *   16  iovec*  msg_iov         this message's iovec, in the iovec array
 *   24  size_t  msg_iovlen      1
 *   32  void*   msg_control     0
 *   40  size_t  msg_controllen  0
 *   48  i32     msg_flags
 *   56  u32     msg_len         bytes sent, written by the kernel
 * </pre>
 * next to an array of {@code struct iovec} ({@value #IOVEC_LENGTH} bytes: 0 base, 8 length).
 *
 * <p>Thread rule: one thread adds and flushes; any thread may read the counters and call
 * {@link #stop}; close after the sending thread has finished.
 */
public final class PacketSender implements AutoCloseable
{
    /** Frames per sendmmsg(2). */
    public static final int BATCH = 256;

    static final int MESSAGE_LENGTH = 64;
    static final int MSG_IOV_OFFSET = 16;
    static final int MSG_IOVLEN_OFFSET = 24;
    static final int IOVEC_LENGTH = 16;
    static final int IOV_BASE_OFFSET = 0;
    static final int IOV_LENGTH_OFFSET = 8;

    private static final int SO_SNDBUF = 7;
    private static final int SEND_BUFFER_BYTES = 4 << 20;
    private static final int ROOM_WAIT_MS = 10;
    private static final long QUEUE_FULL_WAIT_NS = 50_000L;

    private final LibC libc = LibC.INSTANCE;
    private final int fd;
    private final UnsafeBuffer messages = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BATCH * MESSAGE_LENGTH, 64));
    private final UnsafeBuffer iovecs = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BATCH * IOVEC_LENGTH, 64));
    private final byte[] pollfd = new byte[8];
    private final int[] socketError = new int[1];
    private final int[] socketErrorLength = new int[1];
    private int count;

    private volatile boolean stopped;
    private volatile long sent;
    private volatile long bytesSent;
    private volatile long sendErrors;
    private volatile long dropped;
    private volatile int lastErrno;

    /**
     * @throws IllegalArgumentException with a one-line reason: no such interface, no
     *         permission (CAP_NET_RAW), or the socket could not be bound.
     */
    public PacketSender(final String interfaceName)
    {
        final int index = libc.if_nametoindex(interfaceName);
        if (index == 0)
        {
            throw new IllegalArgumentException("no such interface '" + interfaceName + "'");
        }
        // protocol 0: the socket receives nothing, it only sends
        fd = libc.socket(LibC.AF_PACKET, LibC.SOCK_RAW, 0);
        if (fd < 0)
        {
            final int errno = LibC.errno();
            throw new IllegalArgumentException("transmit on " + interfaceName + ": "
                + (errno == LibC.EPERM || errno == LibC.EACCES ? "permission denied: needs CAP_NET_RAW" : libc.strerror(errno)));
        }
        if (libc.bind(fd, LibC.sockaddrLl(index, 0), 20) != 0)
        {
            final int errno = LibC.errno();
            libc.close(fd);
            throw new IllegalArgumentException("transmit: cannot bind to " + interfaceName + ": " + libc.strerror(errno));
        }
        libc.setsockopt(fd, LibC.SOL_SOCKET, SO_SNDBUF, new int[] {SEND_BUFFER_BYTES}, 4);
        for (int i = 0; i < BATCH; i++)
        {
            messages.putLong(i * MESSAGE_LENGTH + MSG_IOV_OFFSET, iovecs.addressOffset() + (long)i * IOVEC_LENGTH);
            messages.putLong(i * MESSAGE_LENGTH + MSG_IOVLEN_OFFSET, 1);
        }
    }

    /** Whether a network interface of this name exists in this network namespace. */
    public static boolean interfaceExists(final String name)
    {
        return LibC.INSTANCE.if_nametoindex(name) != 0;
    }

    /**
     * Lends one frame to the batch, sending the batch first if it is full.
     *
     * @param waitForRoom true to wait while the socket is full (back-pressure), false to drop
     */
    public void add(final long address, final int length, final boolean waitForRoom)
    {
        if (count == BATCH)
        {
            flush(waitForRoom);
        }
        final int iovec = count * IOVEC_LENGTH;
        iovecs.putLong(iovec + IOV_BASE_OFFSET, address);
        iovecs.putLong(iovec + IOV_LENGTH_OFFSET, length);
        count++;
    }

    /**
     * Sends every lent frame, in order, and forgets them. Returns when each is sent, counted as
     * an error, or dropped (not waiting, or {@link #stop stopped} while waiting).
     */
    public void flush(final boolean waitForRoom)
    {
        int at = 0;
        while (at < count)
        {
            final int n = libc.sendmmsg(fd, messages.addressOffset() + (long)at * MESSAGE_LENGTH, count - at, LibC.MSG_DONTWAIT);
            if (n > 0)
            {
                long bytes = 0;
                for (int i = at; i < at + n; i++)
                {
                    bytes += iovecs.getLong(i * IOVEC_LENGTH + IOV_LENGTH_OFFSET);
                }
                sent += n;
                bytesSent += bytes;
                at += n;
                if (at < count)
                {
                    // sendmmsg keeps the next frame's error in SO_ERROR; clear it, or the frame
                    // after that one would be refused with it too
                    socketErrorLength[0] = 4;
                    libc.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_ERROR, socketError, socketErrorLength);
                }
                continue;
            }
            final int errno = LibC.errno();
            if (errno == LibC.EINTR)
            {
                continue;
            }
            if (errno == LibC.EAGAIN || errno == LibC.ENOBUFS)
            {
                if (waitForRoom && !stopped)
                {
                    awaitRoom(errno);
                    continue;
                }
                dropped += count - at;
                break;
            }
            lastErrno = errno;
            sendErrors++;
            at++;
        }
        count = 0;
    }

    private void awaitRoom(final int errno)
    {
        if (errno == LibC.EAGAIN)
        {
            LibC.pollfd(pollfd, fd, LibC.POLLOUT);
            libc.poll(pollfd, 1, ROOM_WAIT_MS); // the socket's send buffer
        }
        else
        {
            LockSupport.parkNanos(QUEUE_FULL_WAIT_NS); // the interface's queue, which poll does not watch
        }
    }

    /** Ends any wait for room: what is still lent is then dropped. Any thread. */
    public void stop()
    {
        stopped = true;
    }

    public long sent()
    {
        return sent;
    }

    public long bytesSent()
    {
        return bytesSent;
    }

    public long sendErrors()
    {
        return sendErrors;
    }

    public long dropped()
    {
        return dropped;
    }

    /** Why the last frame counted in {@link #sendErrors} was refused, or null if none was. */
    public String lastError()
    {
        final int errno = lastErrno;
        return errno == 0 ? null : libc.strerror(errno);
    }

    public void close()
    {
        libc.close(fd);
    }
}
