package org.pipesfs.fs.files;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Maps FUSE file handles to open files without boxing. A handle is a slot index in the low
 * 32 bits and the slot's generation in the high 32, so a stale handle never finds the next
 * file opened in the same slot. Lookups are lock-free; open and release take a lock.
 */
final class HandleTable
{
    static final int MAX_OPEN = 1 << 16;

    private final AtomicReferenceArray<OpenFile> files = new AtomicReferenceArray<>(MAX_OPEN);
    private final AtomicIntegerArray generations = new AtomicIntegerArray(MAX_OPEN);
    private final int[] free = new int[MAX_OPEN];
    private int freeCount;
    private int next;

    /** Returns the new handle, or -1 if {@link #MAX_OPEN} files are open. */
    synchronized long add(final OpenFile file)
    {
        final int slot;
        if (freeCount > 0)
        {
            slot = free[--freeCount];
        }
        else if (next < MAX_OPEN)
        {
            slot = next++;
        }
        else
        {
            return -1;
        }
        files.set(slot, file);
        return ((long)generations.get(slot) << 32) | slot;
    }

    OpenFile get(final long handle)
    {
        final int slot = (int)handle;
        if (slot < 0 || slot >= MAX_OPEN)
        {
            return null;
        }
        final OpenFile file = files.get(slot);
        return file != null && generations.get(slot) == (int)(handle >>> 32) ? file : null;
    }

    synchronized OpenFile remove(final long handle)
    {
        final OpenFile file = get(handle);
        if (file != null)
        {
            final int slot = (int)handle;
            files.set(slot, null);
            generations.incrementAndGet(slot);
            free[freeCount++] = slot;
        }
        return file;
    }

    /** Closes everything still open; used when the mount goes away. */
    synchronized void closeAll()
    {
        for (int slot = 0; slot < next; slot++)
        {
            final OpenFile file = files.getAndSet(slot, null);
            if (file != null)
            {
                file.close();
            }
        }
    }
}
