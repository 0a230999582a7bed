package org.pipesfs.buffers;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Takes the runs of an {@link IndexReader}'s raw view: bytes of consecutive elements that lie
 * back to back in one data buffer, in reading order. A {@link GatherList} points at them; a
 * lossy reader copies them into its caller's buffer.
 */
interface RunSink
{
    void run(UnsafeBuffer source, int offset, int bytes);
}
