package org.pipesfs.fs.fuse;

import jnr.ffi.Struct;
import ru.serce.jnrfuse.LibFuse;
import ru.serce.jnrfuse.struct.FusePollhandle;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes {@code poll}/{@code select} callers: a pipe that was not readable when polled leaves its
 * libfuse poll handle here; one thread checks the waiting pipes every {@link #CHECK_NS} and, once a
 * pipe is readable (data or end of stream), calls {@code fuse_notify_poll} and destroys the handle.
 * Each pipe keeps at most one handle: a newer poll replaces and destroys the older one. While no
 * pipe waits, the thread sleeps until one does, so an idle mount costs no wake-ups.
 */
public final class PollNotifier implements AutoCloseable
{
    /** What a poll waits for: an open file that can say whether a read would return now. */
    public interface Pollable
    {
        boolean isReadable();
    }

    static final long CHECK_NS = 5_000_000L;
    public static final int POLLIN = 0x001;
    public static final int POLLOUT = 0x004;

    private final LibFuse fuse;
    private final Map<Pollable, FusePollhandle> waiting = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public PollNotifier(final LibFuse fuse)
    {
        this.fuse = fuse;
        this.thread = new Thread(this::run, "pipesfs-poll");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** True if {@code handle} came with the request (the caller will sleep until notified). */
    public static boolean present(final FusePollhandle handle)
    {
        return handle != null && Struct.getMemory(handle) != null && Struct.getMemory(handle).address() != 0;
    }

    public void await(final Pollable pipe, final FusePollhandle handle)
    {
        final FusePollhandle previous = waiting.put(pipe, handle);
        LockSupport.unpark(thread);
        if (previous != null && previous != handle)
        {
            fuse.fuse_pollhandle_destroy(previous);
        }
    }

    public void destroy(final FusePollhandle handle)
    {
        fuse.fuse_pollhandle_destroy(handle);
    }

    /** The pipe is closing: drop its handle, if any. */
    public void forget(final Pollable pipe)
    {
        final FusePollhandle handle = waiting.remove(pipe);
        if (handle != null)
        {
            fuse.fuse_pollhandle_destroy(handle);
        }
    }

    private void run()
    {
        while (running)
        {
            final Iterator<Map.Entry<Pollable, FusePollhandle>> it = waiting.entrySet().iterator();
            while (it.hasNext())
            {
                final Map.Entry<Pollable, FusePollhandle> entry = it.next();
                if (entry.getKey().isReadable() && waiting.remove(entry.getKey(), entry.getValue()))
                {
                    fuse.fuse_notify_poll(entry.getValue());
                    fuse.fuse_pollhandle_destroy(entry.getValue());
                }
            }
            if (waiting.isEmpty())
            {
                LockSupport.park(this); // nobody polls: no wake-ups until someone does
            }
            else
            {
                LockSupport.parkNanos(CHECK_NS);
            }
        }
    }

    public void close()
    {
        running = false;
        LockSupport.unpark(thread);
    }
}
