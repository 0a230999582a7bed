package org.pipesfs.buffers;

/**
 * The layout of a record's header in a {@link DataBuffer}'s header ring, which lies out of
 * line so that the frame ring holds frame bytes only, back to back.
 *
 * <pre>
 * The header ring, out of line: one slot per MIN_RECORD_SPACE bytes of frame ring. The record
 * at position p owns slot (p &amp; mask) / MIN_RECORD_SPACE. Since every record takes at least
 * that many bytes, records of one lap never share a slot, and a record of the next lap that
 * takes p's slot also takes part of p's space: a header lives as long as its frame, and the
 * lossless and lossy rules for record space cover headers too:
 *   0                   4                   8
 *   +-------------------+-------------------+
 *   |  captured length  |  original length  |
 *   +-------------------+-------------------+  8
 *   |          sequence (generation)        |
 *   +---------------------------------------+ 16
 *   |        timestamp, ns since epoch      |
 *   +-------------------+-------------------+ 24
 *   |     link type     |     (unused)      |
 *   +-------------------+-------------------+ 32
 * </pre>
 *
 * Only the buffer's producer writes headers; readers read them and, under the lossy policy,
 * check the sequence after copying, since a header can be overwritten while it is read.
 */
public final class RecordDescriptor
{
    public static final int CAPTURED_LENGTH_OFFSET = 0;
    public static final int ORIGINAL_LENGTH_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 8;
    public static final int TIMESTAMP_OFFSET = 16;
    public static final int LINK_TYPE_OFFSET = 24;
    public static final int HEADER_LENGTH = 32;
    /**
     * Frame-ring bytes a record takes at least; one header slot serves this many bytes, so the
     * header ring is as large as the frame ring. With 64, every frame under 64 bytes (a TCP
     * ACK of 54, an ARP of 42) would leave a gap that splits the run a gathered read hands the
     * kernel; frames under 32 bytes hardly exist.
     */
    public static final int MIN_RECORD_SPACE = 32;
    /** Frame-ring offset to header-ring offset: one header slot per MIN_RECORD_SPACE bytes. */
    private static final int HEADER_SHIFT = Integer.numberOfTrailingZeros(MIN_RECORD_SPACE / HEADER_LENGTH);

    private RecordDescriptor()
    {
    }

    /** Bytes of header ring for a frame ring of {@code capacity} bytes. */
    static int headerRingLength(final int capacity)
    {
        return capacity >> HEADER_SHIFT;
    }

    /** Offset in the header ring of the header of the record at {@code position}. */
    static int headerOffset(final long position, final int mask)
    {
        return (int)(position & mask & -MIN_RECORD_SPACE) >> HEADER_SHIFT;
    }
}
