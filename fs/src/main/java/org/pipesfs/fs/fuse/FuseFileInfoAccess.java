package org.pipesfs.fs.fuse;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * Reads and writes {@code struct fuse_file_info} (libfuse 2.9, LP64) at its real offsets.
 * jnr-fuse 0.5.8 declares the struct without {@code writepage} and with each bit-field as a
 * whole word, so its {@code fh}, {@code direct_io} and {@code nonseekable} land elsewhere.
 *
 * <pre>
 *   0  int      flags
 *   8  ulong    fh_old
 *  16  int      writepage
 *  20  uint     direct_io:1 keep_cache:1 flush:1 nonseekable:1 flock_release:1 ...
 *  24  uint64   fh
 *  32  uint64   lock_owner
 * </pre>
 */
public final class FuseFileInfoAccess
{
    static final int FLAGS_OFFSET = 0;
    static final int BITS_OFFSET = 20;
    static final int FH_OFFSET = 24;
    static final int DIRECT_IO_BIT = 1;
    static final int NONSEEKABLE_BIT = 1 << 3;

    private FuseFileInfoAccess()
    {
    }

    public static int flags(final FuseFileInfo fi)
    {
        return memory(fi).getInt(FLAGS_OFFSET);
    }

    public static long handle(final FuseFileInfo fi)
    {
        return memory(fi).getLong(FH_OFFSET);
    }

    /** The handle in the {@code fuse_file_info} at native {@code address}. */
    public static long handleAt(final long address)
    {
        return org.agrona.UnsafeApi.getLong(address + FH_OFFSET);
    }

    /** Stores the handle of an open directory. */
    public static void setHandle(final FuseFileInfo fi, final long handle)
    {
        memory(fi).putLong(FH_OFFSET, handle);
    }

    /** Stores the handle and marks the file direct-I/O and non-seekable, as a pipe is. */
    public static void openPipe(final FuseFileInfo fi, final long handle)
    {
        final Pointer memory = memory(fi);
        memory.putLong(FH_OFFSET, handle);
        memory.putInt(BITS_OFFSET, memory.getInt(BITS_OFFSET) | DIRECT_IO_BIT | NONSEEKABLE_BIT);
    }

    /**
     * Stores the handle of a snapshot file and marks it direct-I/O but seekable, as a regular
     * file is: {@code head} seeks back over what it did not print, {@code tail} seeks to the end.
     */
    public static void openSnapshot(final FuseFileInfo fi, final long handle)
    {
        final Pointer memory = memory(fi);
        memory.putLong(FH_OFFSET, handle);
        memory.putInt(BITS_OFFSET, memory.getInt(BITS_OFFSET) | DIRECT_IO_BIT);
    }

    private static Pointer memory(final FuseFileInfo fi)
    {
        return Struct.getMemory(fi);
    }
}
