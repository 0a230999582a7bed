package org.pipesfs.nic.live;

/**
 * An AF_PACKET raw socket bound to one interface, receiving every frame in both directions
 * (ETH_P_ALL), as tcpdump does. Frames are received straight into caller memory.
 * Single-threaded: only the producer thread receives.
 */
public final class PacketSocket implements AutoCloseable
{
    /** Receive buffer we ask the kernel for, so bursts wait in the socket, not on the floor. */
    static final int RECEIVE_BUFFER = 64 << 20;

    private final LibC libc = LibC.INSTANCE;
    private final String interfaceName;
    private final int fd;
    private final byte[] pollfd = new byte[8];

    /**
     * @throws IllegalArgumentException with a one-line reason: missing interface or permission.
     */
    public PacketSocket(final String interfaceName)
    {
        this.interfaceName = interfaceName;
        final int index = libc.if_nametoindex(interfaceName);
        if (index == 0)
        {
            throw new IllegalArgumentException("live capture: no such interface '" + interfaceName + "'");
        }
        fd = libc.socket(LibC.AF_PACKET, LibC.SOCK_RAW, Short.reverseBytes((short)LibC.ETH_P_ALL) & 0xffff);
        if (fd < 0)
        {
            final int errno = LibC.errno();
            throw new IllegalArgumentException("live capture on " + interfaceName + ": "
                + (errno == LibC.EPERM || errno == LibC.EACCES
                ? "permission denied: run as root or grant CAP_NET_RAW"
                : libc.strerror(errno)));
        }
        libc.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, new int[] {RECEIVE_BUFFER}, 4);
        if (libc.bind(fd, sockaddrLl(index), 20) != 0)
        {
            final int errno = LibC.errno();
            libc.close(fd);
            throw new IllegalArgumentException("live capture: cannot bind to " + interfaceName + ": " + libc.strerror(errno));
        }
    }

    /** struct sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8]. */
    private static byte[] sockaddrLl(final int index)
    {
        final byte[] address = new byte[20];
        address[0] = (byte)LibC.AF_PACKET;
        address[2] = (byte)(LibC.ETH_P_ALL >>> 8);
        address[3] = (byte)LibC.ETH_P_ALL;
        address[4] = (byte)index;
        address[5] = (byte)(index >>> 8);
        address[6] = (byte)(index >>> 16);
        address[7] = (byte)(index >>> 24);
        return address;
    }

    /**
     * Receives one frame into {@code [address, address + capacity)} without blocking.
     *
     * @return the frame's length on the wire (may exceed capacity: then it was cut), 0 if none
     *         is waiting, or -errno.
     */
    public long receive(final long address, final int capacity)
    {
        final long n = libc.recv(fd, address, capacity, LibC.MSG_DONTWAIT | LibC.MSG_TRUNC);
        if (n >= 0)
        {
            return n;
        }
        final int errno = LibC.errno();
        return errno == LibC.EAGAIN || errno == LibC.EINTR ? 0 : -errno;
    }

    /** Blocks up to {@code timeoutMs} until a frame is waiting; idle capture costs no CPU. */
    public void awaitFrame(final int timeoutMs)
    {
        pollfd[0] = (byte)fd;
        pollfd[1] = (byte)(fd >>> 8);
        pollfd[2] = (byte)(fd >>> 16);
        pollfd[3] = (byte)(fd >>> 24);
        pollfd[4] = 1; // POLLIN
        libc.poll(pollfd, 1, timeoutMs);
    }

    public String interfaceName()
    {
        return interfaceName;
    }

    public String describeError(final long negativeErrno)
    {
        return libc.strerror((int)-negativeErrno);
    }

    public void close()
    {
        libc.close(fd);
    }
}
