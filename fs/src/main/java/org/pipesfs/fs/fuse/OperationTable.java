package org.pipesfs.fs.fuse;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * Changes to libfuse's {@code fuse_operations} table that jnr-fuse cannot make: the flag bits
 * after {@code bmap}, and a {@code read} entry that takes native words. Called once, before the
 * mount starts.
 */
public final class OperationTable
{
    private static final int NULLPATH_OK = 1;
    private static final int NOPATH = 2;

    /**
     * {@code read} as libfuse calls it, every argument a native word. jnr-fuse's own binding
     * makes a path {@code String}, a {@code FuseFileInfo} struct and a {@code Pointer} on every
     * call; on the data path that allocation showed up first in the profile.
     */
    public interface RawRead
    {
        @jnr.ffi.annotations.Delegate
        int read(long path, long buf, long size, long offset, long fileInfo);
    }

    private OperationTable()
    {
    }

    /**
     * Sets {@code flag_nullpath_ok} and {@code flag_nopath}: bits 0 and 1 of the word after the
     * {@code bmap} pointer, which jnr-fuse declares but cannot set as bit-fields. Without them
     * libfuse builds a path for every read and holds a read lock on it for the whole call, so a
     * {@code rmdir} or {@code mv} of a node waits for its blocked readers. Handle-based
     * operations ({@code read}, {@code write}, {@code release}, {@code poll}) then get a null path.
     */
    public static void askForNoPaths(final FuseOperations operations)
    {
        final Pointer memory = Struct.getMemory(operations);
        final long offset = operations.bmap.offset() + Long.BYTES;
        memory.putInt(offset, memory.getInt(offset) | NULLPATH_OK | NOPATH);
    }

    /**
     * Points {@code fuse_operations.read} at {@code read} instead of jnr-fuse's binding. The
     * caller keeps {@code read} reachable for as long as the mount: libfuse calls it through a
     * native pointer.
     */
    public static void installRead(final FuseOperations operations, final RawRead read)
    {
        final Pointer closure = jnr.ffi.Runtime.getSystemRuntime().getClosureManager().getClosurePointer(RawRead.class, read);
        Struct.getMemory(operations).putPointer(operations.read.offset(), closure);
    }
}
