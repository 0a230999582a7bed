package org.pipesfs.buffers;

/**
 * An event count that lets one side sleep until the other side has made progress, without
 * a lost wake-up and without allocating.
 *
 * <p>A waiter calls {@link #prepare()}, re-checks its condition, then {@link #await(long, long)}
 * with the ticket and finally {@link #finish()}. A ringer publishes its state with a volatile
 * write and then calls {@link #ring()}, which costs one volatile read when nobody sleeps.
 * Because both sides write a volatile before reading the other's, a waiter that missed the
 * new state is always seen as a sleeper and woken. Any number of threads may ring and wait.
 */
public final class Doorbell
{
    private volatile int sleepers;
    private long rings;

    /** Registers the caller as a sleeper and returns the ticket to wait on. */
    public long prepare()
    {
        synchronized (this)
        {
            sleepers++;
            return rings;
        }
    }

    /**
     * Sleeps until the bell rings after {@code ticket} was taken, or the timeout passes.
     *
     * @return false if the thread was interrupted; its interrupt flag is then set again.
     */
    public boolean await(final long ticket, final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        synchronized (this)
        {
            long remaining = timeoutNanos;
            while (rings == ticket && remaining > 0)
            {
                try
                {
                    wait(remaining / 1_000_000L, (int)(remaining % 1_000_000L));
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return false;
                }
                remaining = deadline - System.nanoTime();
            }
        }
        return true;
    }

    /** True while some thread is between {@link #prepare()} and {@link #finish()}. */
    public boolean hasSleepers()
    {
        return sleepers > 0;
    }

    /** Unregisters a sleeper registered by {@link #prepare()}. */
    public void finish()
    {
        synchronized (this)
        {
            sleepers--;
        }
    }

    /** Wakes every sleeper; call it after publishing the state they wait for. */
    public void ring()
    {
        if (sleepers != 0)
        {
            synchronized (this)
            {
                rings++;
                notifyAll();
            }
        }
    }
}
