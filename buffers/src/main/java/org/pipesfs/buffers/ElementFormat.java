package org.pipesfs.buffers;

import org.agrona.MutableDirectBuffer;

/**
 * How an index entry is rendered into a reader's buffer: the raw view ({@link #VIEW}) or a
 * framed form such as a pcap record. A format only copies; it never keeps state about the
 * element, so one instance serves every reader. Implementations must stay within the record's
 * bounds for any length the record header claims, because lossy readers may see torn headers
 * before they validate them.
 */
public interface ElementFormat
{
    /** The bytes of the element's view, nothing else. */
    ElementFormat VIEW = new ElementFormat()
    {
        public int length(
            final DataBuffer data, final long position, final int viewOffset, final int viewLength, final int frameTag)
        {
            return viewLength;
        }

        public void copy(
            final DataBuffer data,
            final long position,
            final int viewOffset,
            final int viewLength,
            final int frameTag,
            final int from,
            final MutableDirectBuffer dst,
            final int dstOffset,
            final int length)
        {
            data.copyFrame(position, viewOffset + from, dst, dstOffset, length);
        }
    };

    /**
     * Number of bytes the element occupies in a reader's buffer.
     *
     * @param frameTag the entry's {@link ElementFrame} tag: which frame the view lies in.
     */
    int length(DataBuffer data, long position, int viewOffset, int viewLength, int frameTag);

    /** Copies bytes {@code [from, from + length)} of the rendered element into {@code dst}. */
    void copy(
        DataBuffer data,
        long position,
        int viewOffset,
        int viewLength,
        int frameTag,
        int from,
        MutableDirectBuffer dst,
        int dstOffset,
        int length);
}
