package org.pipesfs.fs.fuse;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * The libfuse 2.9 symbols PipesFS calls itself, bound once with jnr-ffi: the session loop
 * ({@link FuseLoop}, {@link LargeReads}) and {@code fuse_interrupted} ({@link FuseInterrupts}),
 * which jnr-fuse leaves out. The hot ones take raw addresses. jnr-fuse binds the operations.
 */
public interface LibFuse
{
    LibFuse INSTANCE = Loader.load();

        Pointer fuse_setup(int argc, String[] argv, Pointer op, long opSize, Pointer mountpoint,
            Pointer multithreaded, Pointer userData);

        void fuse_teardown(Pointer fuse, Pointer mountpoint);

        long fuse_get_session(Pointer fuse);

        long fuse_session_next_chan(long session, long channel);

        long fuse_chan_bufsize(long channel);

        int fuse_session_receive_buf(long session, long buf, long channelOut);

        void fuse_session_process_buf(long session, long buf, long channel);

        int fuse_session_exited(long session);

        void fuse_session_exit(long session);

        long fuse_kern_chan_new(int fd);

        void fuse_chan_destroy(long channel);

        int fuse_chan_fd(long channel);

    /** True if the kernel interrupted the request the calling worker thread is serving. */
    int fuse_interrupted();

    /** Loads the library under the name the system's libfuse 2 has. */
    final class Loader
    {
        private Loader()
        {
        }

        static LibFuse load()
        {
            try
            {
                return LibraryLoader.create(LibFuse.class).failImmediately().load("fuse");
            }
            catch (final Throwable first)
            {
                return LibraryLoader.create(LibFuse.class).failImmediately().load("libfuse.so.2");
            }
        }
    }
}
