package org.pipesfs.fs;

/**
 * Whether the kernel has interrupted the request a worker is serving ({@code fuse_interrupted},
 * through {@link LibFuse}). A blocked read polls it between short waits so that Ctrl-C or a
 * killed reader ends the read with EINTR.
 */
final class FuseInterrupts
{
    private FuseInterrupts()
    {
    }

    /** True if the kernel has asked to interrupt the request this thread is serving. */
    static boolean interrupted()
    {
        return LibFuse.INSTANCE.fuse_interrupted() != 0;
    }
}
