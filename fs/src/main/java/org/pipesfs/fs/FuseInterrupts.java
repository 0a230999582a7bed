package org.pipesfs.fs;

import jnr.ffi.LibraryLoader;

/**
 * Binds libfuse's {@code fuse_interrupted()}, which jnr-fuse leaves out. A blocked read polls
 * it between short waits so that Ctrl-C or a killed reader ends the read with EINTR.
 */
final class FuseInterrupts
{
    /** The native symbol; must be called on the FUSE worker thread serving the request. */
    public interface LibFuseInterrupted
    {
        int fuse_interrupted();
    }

    private static final LibFuseInterrupted LIB = load();

    private FuseInterrupts()
    {
    }

    /** True if the kernel has asked to interrupt the request this thread is serving. */
    static boolean interrupted()
    {
        return LIB != null && LIB.fuse_interrupted() != 0;
    }

    private static LibFuseInterrupted load()
    {
        try
        {
            return LibraryLoader.create(LibFuseInterrupted.class).failImmediately().load("fuse");
        }
        catch (final Throwable first)
        {
            return LibraryLoader.create(LibFuseInterrupted.class).failImmediately().load("libfuse.so.2");
        }
    }
}
