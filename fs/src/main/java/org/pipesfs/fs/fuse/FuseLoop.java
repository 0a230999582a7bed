package org.pipesfs.fs.fuse;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;
import ru.serce.jnrfuse.struct.FuseOperations;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * libfuse 2's multithreaded session loop ({@code fuse_loop_mt}), run on threads the JVM
 * started. jffi attaches a foreign thread to the JVM for each callback and detaches it after,
 * for its first thousand calls; on libfuse's own workers every {@code read} so paid for a new
 * {@code java.lang.Thread}, a fresh TLAB and a detach. A 3 GB stream started 28k threads and
 * ran a young GC every 40 ms. A thread started in Java stays attached for life.
 *
 * <p>The policy is libfuse's: a worker that takes a request while no other worker is idle
 * starts one more, since a blocked read holds its worker; a worker that finds more than
 * {@link #MAX_IDLE} idle retires. The loop ends when the kernel ends the connection (ENODEV
 * after unmount) or the session is told to exit.
 *
 * <pre>
 * struct fuse_buf (libfuse 2.9, LP64), one per worker:
 *   0  size_t  size      in: room in mem; out: bytes received
 *   8  int     flags
 *  16  void*   mem       the worker's request buffer
 *  24  int     fd
 *  32  off_t   pos
 *  40  struct fuse_chan*  the channel in and out of receive (not part of fuse_buf)
 * </pre>
 */
public final class FuseLoop
{
    private static final int SIZE_OFFSET = 0;
    private static final int FLAGS_OFFSET = 8;
    private static final int MEM_OFFSET = 16;
    private static final int CHANNEL_OFFSET = 40;
    private static final int HEADER_LENGTH = 64;
    private static final int MAX_IDLE = 10;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int ENOENT = 2;

    private static final LibFuse LIB = LibFuse.INSTANCE;

    private final long session;
    private final long channel;
    private final int bufferSize;
    private final String name;
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicInteger workers = new AtomicInteger();
    private final Object done = new Object();

    private FuseLoop(final long session, final String name)
    {
        this.session = session;
        this.channel = LIB.fuse_session_next_chan(session, 0);
        this.bufferSize = (int)LIB.fuse_chan_bufsize(channel);
        this.name = name;
    }

    /**
     * Mounts {@code args} (as {@code fuse_main} takes them), serves requests until unmount, then
     * tears down. Returns 0, or 1 if libfuse could not mount.
     */
    public static int run(final FuseOperations operations, final String[] args, final String threadName)
    {
        final jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getSystemRuntime();
        final Pointer mountPoint = jnr.ffi.Memory.allocateDirect(runtime, 8, true);
        final Pointer multithreaded = jnr.ffi.Memory.allocateDirect(runtime, 4, true);
        final Pointer fuse = LIB.fuse_setup(args.length, args, Struct.getMemory(operations),
            Struct.size(operations), mountPoint, multithreaded, null);
        if (fuse == null)
        {
            return 1;
        }
        try
        {
            new FuseLoop(LIB.fuse_get_session(fuse), threadName).serve(multithreaded.getInt(0) != 0);
        }
        finally
        {
            LIB.fuse_teardown(fuse, mountPoint.getPointer(0));
        }
        return 0;
    }

    /** Runs a worker on the calling thread, which never retires, and waits for the rest. */
    private void serve(final boolean multithreaded)
    {
        workers.incrementAndGet();
        idle.incrementAndGet();
        work(true, multithreaded);
        LIB.fuse_session_exit(session);
        synchronized (done)
        {
            while (workers.get() > 0)
            {
                try
                {
                    done.wait(100);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void startWorker()
    {
        workers.incrementAndGet();
        idle.incrementAndGet();
        final Thread thread = new Thread(() -> work(false, true), name);
        thread.setDaemon(true);
        thread.start();
    }

    private void work(final boolean main, final boolean multithreaded)
    {
        final ByteBuffer memory = BufferUtil.allocateDirectAligned(HEADER_LENGTH + bufferSize, 4096);
        final long header = BufferUtil.address(memory);
        final long requestBuffer = header + HEADER_LENGTH;
        FuseInterrupts.onWorkerThread();
        final GatheredReply reply = GatheredReply.attach(LIB.fuse_chan_fd(channel), LargeReads.MAX_READ);
        try
        {
            while (LIB.fuse_session_exited(session) == 0)
            {
                UnsafeApi.putLong(header + SIZE_OFFSET, bufferSize);
                UnsafeApi.putInt(header + FLAGS_OFFSET, 0);
                UnsafeApi.putLong(header + MEM_OFFSET, requestBuffer);
                UnsafeApi.putLong(header + CHANNEL_OFFSET, channel);
                final int received = LIB.fuse_session_receive_buf(session, header, header + CHANNEL_OFFSET);
                if (received == -EINTR || received == -EAGAIN || received == -ENOENT)
                {
                    continue;
                }
                if (received <= 0 || LIB.fuse_session_exited(session) != 0)
                {
                    if (received < 0)
                    {
                        LIB.fuse_session_exit(session);
                    }
                    break;
                }
                if (idle.decrementAndGet() == 0 && multithreaded)
                {
                    startWorker();
                }
                final long from = UnsafeApi.getLong(header + CHANNEL_OFFSET);
                if (FuseHeaders.opcode(requestBuffer) == LargeReads.FUSE_INIT)
                {
                    LargeReads.processInit(LIB, session, header, requestBuffer, from);
                }
                else
                {
                    reply.serving(requestBuffer);
                    LIB.fuse_session_process_buf(session, header, from);
                }
                if (idle.incrementAndGet() > MAX_IDLE && !main)
                {
                    break;
                }
            }
        }
        finally
        {
            idle.decrementAndGet();
            workers.decrementAndGet();
            synchronized (done)
            {
                done.notifyAll();
            }
            // keeps the buffer reachable until libfuse is done with its address
            java.lang.ref.Reference.reachabilityFence(memory);
        }
    }
}
