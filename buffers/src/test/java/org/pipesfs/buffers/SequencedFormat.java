package org.pipesfs.buffers;

import org.agrona.MutableDirectBuffer;

/**
 * Test format: each element is rendered as its 8-byte DBuf sequence followed by its view, so
 * a reader can tell exactly which elements it received and which it missed.
 */
final class SequencedFormat implements ElementFormat
{
    static final int PREFIX = 8;
    private final org.agrona.concurrent.UnsafeBuffer scratch = new org.agrona.concurrent.UnsafeBuffer(new byte[PREFIX]);

    public int length(final DataBuffer data, final long position, final int viewOffset, final int viewLength, final int frameTag)
    {
        return PREFIX + viewLength;
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
        int at = from;
        int out = dstOffset;
        int left = length;
        if (at < PREFIX)
        {
            scratch.putLong(0, data.sequence(position));
            final int n = Math.min(left, PREFIX - at);
            dst.putBytes(out, scratch, at, n);
            at += n;
            out += n;
            left -= n;
        }
        if (left > 0)
        {
            data.copyFrame(position, viewOffset + at - PREFIX, dst, out, left);
        }
    }
}
