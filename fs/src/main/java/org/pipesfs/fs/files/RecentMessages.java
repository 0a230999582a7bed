package org.pipesfs.fs.files;

import java.nio.charset.StandardCharsets;

/**
 * The server's latest log lines, for the root {@code .log}: a ring of the last {@link #KEPT}
 * lines, each numbered, that readers follow as {@code dmesg -w} follows the kernel's. What the
 * log file gets (after its rate limit) comes here too, so a reader cannot make the server keep
 * more than the ring.
 *
 * <p>Thread rule: any thread may add a line and any number may read; the ring's monitor
 * orders them and wakes waiting readers.
 */
public final class RecentMessages
{
    /** Lines a new reader is shown first, and all the ring keeps. */
    public static final int KEPT = 100;

    private final byte[][] lines = new byte[KEPT][];
    /** Number of the next line to be added; line n sits at n % KEPT while n >= next - KEPT. */
    private long next;

    /** Adds one line (without its newline). */
    public void add(final byte[] line, final int length)
    {
        final byte[] copy = new byte[length + 1];
        System.arraycopy(line, 0, copy, 0, length);
        copy[length] = '\n';
        synchronized (this)
        {
            lines[(int)(next % KEPT)] = copy;
            next++;
            notifyAll();
        }
    }

    public void add(final String line)
    {
        final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        add(bytes, bytes.length);
    }

    /** Number of the oldest line still kept: where a new reader starts. */
    synchronized long oldest()
    {
        return Math.max(0, next - KEPT);
    }

    /**
     * Line {@code number} with its newline, or null if it is not there yet; a line already
     * pushed out of the ring gives the oldest kept one (see {@link #skipTo}).
     */
    synchronized byte[] line(final long number)
    {
        return number >= next ? null : lines[(int)(Math.max(number, next - KEPT) % KEPT)];
    }

    /** Where a reader at {@code number} goes on: past what the ring no longer holds. */
    synchronized long skipTo(final long number)
    {
        return Math.max(number, next - KEPT);
    }

    /** Waits up to {@code ms} for a line numbered {@code number} or later. */
    synchronized void await(final long number, final long ms) throws InterruptedException
    {
        if (number >= next)
        {
            wait(ms);
        }
    }
}
