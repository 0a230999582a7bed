package org.pipesfs.nic.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls PipesFS makes, bound once with jnr-ffi, for live capture here and for the
 * filesystem (gathered replies, huge pages, the mount table). Buffers are passed as raw
 * addresses; calls marked {@code @SaveError} leave their errno for {@link #errno()}.
 */
public interface LibC
{
    int AF_PACKET = 17;
    int SOCK_RAW = 3;
    int ETH_P_ALL = 0x0003;
    int SOL_SOCKET = 1;
    int SO_ERROR = 4;
    int SOL_PACKET = 263;
    int PACKET_ADD_MEMBERSHIP = 1;
    int PACKET_MR_PROMISC = 1;
    int PACKET_STATISTICS = 6;
    int PACKET_FANOUT = 18;
    int PACKET_FANOUT_HASH = 0;
    int PACKET_FANOUT_FLAG_DEFRAG = 0x8000;
    int PACKET_RX_RING = 5;
    int PACKET_VERSION = 10;
    int TPACKET_V3 = 2;
    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;
    short POLLIN = 1;
    short POLLERR = 8;
    short POLLHUP = 16;
    short POLLNVAL = 32;
    short POLLOUT = 4;
    int MSG_DONTWAIT = 0x40;
    int EPERM = 1;
    int EINTR = 4;
    int EAGAIN = 11;
    int EACCES = 13;
    int ENETDOWN = 100;
    int ENOBUFS = 105;

    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] address, int length);

    @SaveError
    int setsockopt(int fd, int level, int name, @In int[] value, int length);

    @SaveError
    int getsockopt(int fd, int level, int name, @Out int[] value, int[] length);

    /**
     * mmap(2); MAP_FAILED is address -1. Declared with a Pointer result and typed sizes: with
     * plain longs jnr-ffi 2.2.16 passed an offset glibc rejected (EINVAL, no system call made).
     */
    @SaveError
    jnr.ffi.Pointer mmap(jnr.ffi.Pointer address, @jnr.ffi.types.size_t long length, int protection, int flags, int fd,
        @jnr.ffi.types.off_t long offset);

    int munmap(long address, long length);

    @SaveError
    int if_nametoindex(String name);

    /** poll(2) on one struct pollfd {int fd; short events; short revents}. */
    int poll(@In @Out byte[] pollfd, long count, int timeoutMs);

    int close(int fd);

    /** read(2) into native memory at {@code address}. */
    @SaveError
    long read(int fd, long address, long count);

    int PRIO_PROCESS = 0;

    /** setpriority(2): with PRIO_PROCESS and a thread id, that thread's nice value. */
    @SaveError
    int setpriority(int which, int who, int prio);

    /** The calling thread's id (glibc 2.30). */
    int gettid();

    String strerror(int errno);

    int open(String path, int flags);

    /** sendmmsg(2): {@code messages} is the address of {@code count} struct mmsghdr. */
    @SaveError
    int sendmmsg(int fd, long messages, int count, int flags);

    /** Gathered write: {@code iov} is the address of {@code iovcnt} struct iovec. */
    @SaveError
    long writev(int fd, long iov, int iovcnt);

    int madvise(long address, @jnr.ffi.types.size_t long length, int advice);

    /**
     * A {@code struct sockaddr_ll} for bind(2): family, protocol (network order), ifindex, and
     * zeros for hatype, pkttype, halen and the address. Protocol 0 receives nothing.
     */
    static byte[] sockaddrLl(final int ifindex, final int protocol)
    {
        final byte[] address = new byte[20];
        address[0] = (byte)AF_PACKET;
        address[2] = (byte)(protocol >>> 8);
        address[3] = (byte)protocol;
        address[4] = (byte)ifindex;
        address[5] = (byte)(ifindex >>> 8);
        address[6] = (byte)(ifindex >>> 16);
        address[7] = (byte)(ifindex >>> 24);
        return address;
    }

    /** A {@code struct pollfd {int fd; short events; short revents}} for {@link #poll}, revents cleared. */
    static void pollfd(final byte[] pollfd, final int fd, final short events)
    {
        pollfd[0] = (byte)fd;
        pollfd[1] = (byte)(fd >>> 8);
        pollfd[2] = (byte)(fd >>> 16);
        pollfd[3] = (byte)(fd >>> 24);
        pollfd[4] = (byte)events;
        pollfd[5] = (byte)(events >>> 8);
        pollfd[6] = 0;
        pollfd[7] = 0;
    }

    /** errno of the last {@link SaveError} call on this thread. */
    static int errno()
    {
        return jnr.ffi.LastError.getLastError(jnr.ffi.Runtime.getRuntime(INSTANCE));
    }
}
