package org.pipesfs.fs.fuse;

/**
 * Whether the kernel has interrupted the request a worker is serving ({@code fuse_interrupted},
 * through {@link LibFuse}). A blocked read polls it between short waits so that Ctrl-C or a
 * killed reader ends the read with EINTR. Only a libfuse worker thread has a request to ask
 * about; libfuse 2 dereferences the thread's request unchecked, so any other thread (the JIT
 * warm-up's reader) is never interrupted and never asks.
 */
public final class FuseInterrupts
{
    private static final ThreadLocal<Boolean> WORKER = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private FuseInterrupts()
    {
    }

    /** Called by each libfuse worker thread before it serves its first request. */
    static void onWorkerThread()
    {
        WORKER.set(Boolean.TRUE);
    }

    /** True if the kernel has asked to interrupt the request this thread is serving. */
    public static boolean interrupted()
    {
        return WORKER.get() && LibFuse.INSTANCE.fuse_interrupted() != 0;
    }
}
