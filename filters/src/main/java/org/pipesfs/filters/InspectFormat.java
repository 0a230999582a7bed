package org.pipesfs.filters;

import org.agrona.MutableDirectBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.ElementFrame;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.filters.inspect.TcpdumpText;
import org.pipesfs.filters.inspect.TextLine;

/**
 * Renders each element of an {@code inspect} node as the line {@code tcpdump -nn} prints for
 * its frame ({@link TcpdumpText}), in UTC, ending in a newline. The index entries still point
 * at the original slots; the text exists only in the reader's buffer. One instance per reader:
 * it keeps tcpdump's per-conversation TCP state across the reader's elements, and renders each
 * element once into a scratch line, so a line split across reads stays consistent.
 */
public final class InspectFormat implements ElementFormat
{
    private final TcpdumpText tcpdump = new TcpdumpText();
    private final PacketView packet = new PacketView();
    private TextLine line;
    private long renderedPosition = -1;
    private long renderedSequence = -1;
    private int renderedTag;

    public int length(
        final DataBuffer data, final long position, final int viewOffset, final int viewLength, final int frameTag)
    {
        render(data, position, frameTag);
        return line.length() + 1;
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
        final int count)
    {
        render(data, position, frameTag);
        final int text = Math.max(0, Math.min(count, line.length() - from));
        dst.putBytes(dstOffset, line.buffer(), from, text);
        if (text < count)
        {
            dst.putByte(dstOffset + text, (byte)'\n');
        }
    }

    private void render(final DataBuffer data, final long position, final int frameTag)
    {
        final long sequence = data.sequence(position);
        if (position == renderedPosition && sequence == renderedSequence && frameTag == renderedTag && line != null)
        {
            return;
        }
        renderedPosition = position;
        renderedSequence = sequence;
        renderedTag = frameTag;
        final int captured = ElementFrame.capturedLength(frameTag, data, position);
        packet.decode(data.buffer(), data.frameOffset(position) + ElementFrame.shift(frameTag), captured,
            ElementFrame.linkType(frameTag, data, position), PacketView.TRANSPARENT);
        line = tcpdump.render(packet, data.timestampNs(position), ElementFrame.originalLength(frameTag, data, position));
    }
}
