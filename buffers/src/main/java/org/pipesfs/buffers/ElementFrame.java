package org.pipesfs.buffers;

/**
 * The frame an index entry's element belongs to, packed in the entry's frame tag. Most elements
 * belong to their record's own frame (tag 0). An element a node found inside a tunnel belongs
 * to the inner frame, which starts some bytes into the record and has a link type of its own;
 * formats that render whole frames ({@code all.pcap}, exports, {@code inspect}) start there.
 *
 * <pre>
 * Frame tag, 32 bits:
 *   31            16 15             0
 *   +---------------+---------------+
 *   |   link type   |     shift     |
 *   +---------------+---------------+
 *   shift: where the inner frame starts in the record's frame (1..65535); 0: the record's frame
 * </pre>
 */
public final class ElementFrame
{
    /** The record's own frame. */
    public static final int RECORD = 0;
    private static final int SHIFT_MASK = 0xffff;
    private static final int LINK_TYPE_SHIFT = 16;

    private ElementFrame()
    {
    }

    /** The tag of a frame starting {@code shift} bytes into the record's, with {@code linkType}. */
    public static int tag(final int shift, final int linkType)
    {
        return shift <= 0 ? RECORD : (linkType & SHIFT_MASK) << LINK_TYPE_SHIFT | Math.min(shift, SHIFT_MASK);
    }

    /** Where the element's frame starts in its record's frame. */
    public static int shift(final int tag)
    {
        return tag & SHIFT_MASK;
    }

    /** The element's frame's link type: the tag's own, or the record's. */
    public static int linkType(final int tag, final DataBuffer data, final long position)
    {
        return tag == RECORD ? data.linkType(position) : tag >>> LINK_TYPE_SHIFT;
    }

    /** Captured bytes of the element's frame. */
    public static int capturedLength(final int tag, final DataBuffer data, final long position)
    {
        return Math.max(0, data.capturedLength(position) - shift(tag));
    }

    /** On-the-wire length of the element's frame. */
    public static int originalLength(final int tag, final DataBuffer data, final long position)
    {
        return Math.max(capturedLength(tag, data, position), data.originalLength(position) - shift(tag));
    }
}
