package org.pipesfs.nic.live;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;

/** The few libc calls live capture needs, bound with jnr-ffi. Buffers are passed as raw addresses. */
public interface LibC
{
    int AF_PACKET = 17;
    int SOCK_RAW = 3;
    int ETH_P_ALL = 0x0003;
    int SOL_SOCKET = 1;
    int SO_RCVBUF = 8;
    int SO_RCVBUFFORCE = 33;
    int MSG_DONTWAIT = 0x40;
    int MSG_TRUNC = 0x20;
    int EAGAIN = 11;
    int EINTR = 4;
    int EPERM = 1;
    int EACCES = 13;
    int ENODEV = 19;
    int ENETDOWN = 100;

    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] address, int length);

    @SaveError
    int setsockopt(int fd, int level, int name, @In int[] value, int length);

    /** recv(2) into native memory at {@code address}. */
    @SaveError
    long recv(int fd, long address, long length, int flags);

    @SaveError
    int if_nametoindex(String name);

    /** poll(2) on one struct pollfd {int fd; short events; short revents}. */
    int poll(@In byte[] pollfd, long count, int timeoutMs);

    int close(int fd);

    String strerror(int errno);

    /** errno of the last {@link SaveError} call on this thread. */
    static int errno()
    {
        return jnr.ffi.LastError.getLastError(jnr.ffi.Runtime.getRuntime(INSTANCE));
    }
}
