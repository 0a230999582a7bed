package org.pipesfs.fs.fuse;

import org.agrona.UnsafeApi;

/**
 * The two headers of the FUSE protocol that the loop and its own replies read and write, as
 * named offsets. Every request the kernel sends starts with {@code fuse_in_header}, and every
 * reply written to the device with {@code fuse_out_header}, the reply's data following it.
 *
 * <pre>
 * fuse_in_header, 40 bytes:
 *   0 len (u32)   4 opcode (u32)   8 unique (u64)   16 nodeid (u64)
 *  24 uid (u32)  28 gid (u32)     32 pid (u32)     36 padding
 *
 * fuse_out_header, 16 bytes:
 *   0 len (u32, header included)   4 error (s32, a negated errno or 0)   8 unique (u64)
 * </pre>
 */
final class FuseHeaders
{
    static final int IN_LENGTH = 40;
    static final int IN_OPCODE_OFFSET = 4;
    static final int IN_UNIQUE_OFFSET = 8;

    static final int OUT_LENGTH = 16;
    static final int OUT_LENGTH_OFFSET = 0;
    static final int OUT_ERROR_OFFSET = 4;
    static final int OUT_UNIQUE_OFFSET = 8;

    private FuseHeaders()
    {
    }

    /** The opcode of the request at native address {@code request}. */
    static int opcode(final long request)
    {
        return UnsafeApi.getInt(request + IN_OPCODE_OFFSET);
    }

    /** The id of the request at native address {@code request}, which its reply must carry. */
    static long unique(final long request)
    {
        return UnsafeApi.getLong(request + IN_UNIQUE_OFFSET);
    }
}
