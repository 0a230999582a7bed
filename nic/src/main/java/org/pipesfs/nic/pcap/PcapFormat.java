package org.pipesfs.nic.pcap;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Classic pcap file layout (the format tcpdump -w writes), as named offsets.
 *
 * <pre>
 * Global header, 24 bytes:            Record header, 16 bytes:
 *   0  magic                            0  timestamp seconds
 *   4  version major (2), minor (4)     4  timestamp fraction (us or ns)
 *   8  thiszone (0)                     8  captured length
 *  12  sigfigs (0)                     12  original length
 *  16  snaplen                         16  frame bytes ...
 *  20  link type
 * </pre>
 *
 * PipesFS writes native little-endian files with nanosecond timestamps (magic a1b23c4d).
 */
public final class PcapFormat
{
    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    public static final int GLOBAL_HEADER_LENGTH = 24;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_MAJOR_OFFSET = 4;
    public static final int VERSION_MINOR_OFFSET = 6;
    public static final int THISZONE_OFFSET = 8;
    public static final int SIGFIGS_OFFSET = 12;
    public static final int SNAPLEN_OFFSET = 16;
    public static final int LINK_TYPE_OFFSET = 20;

    public static final int RECORD_HEADER_LENGTH = 16;
    public static final int TS_SECONDS_OFFSET = 0;
    public static final int TS_FRACTION_OFFSET = 4;
    public static final int CAPTURED_LENGTH_OFFSET = 8;
    public static final int ORIGINAL_LENGTH_OFFSET = 12;

    public static final int SNAPLEN = 262_144;
    public static final int LINKTYPE_ETHERNET = 1;

    private PcapFormat()
    {
    }

    /** Writes a nanosecond-resolution global header at {@code offset}. */
    public static void writeGlobalHeader(final MutableDirectBuffer dst, final int offset, final int linkType)
    {
        final ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        dst.putInt(offset + MAGIC_OFFSET, MAGIC_NANOS, order);
        dst.putShort(offset + VERSION_MAJOR_OFFSET, (short)2, order);
        dst.putShort(offset + VERSION_MINOR_OFFSET, (short)4, order);
        dst.putInt(offset + THISZONE_OFFSET, 0, order);
        dst.putInt(offset + SIGFIGS_OFFSET, 0, order);
        dst.putInt(offset + SNAPLEN_OFFSET, SNAPLEN, order);
        dst.putInt(offset + LINK_TYPE_OFFSET, linkType, order);
    }
}
