package org.pipesfs.filters;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexReader;

import java.util.ArrayList;
import java.util.List;

/** Test helper: the DBuf sequence numbers a node has emitted, read back through its ring. */
public final class SequenceReader implements ElementFormat
{
    public int length(final DataBuffer data, final long position, final int viewOffset, final int viewLength, final int frameTag)
    {
        return 8;
    }

    public void copy(final DataBuffer data, final long position, final int viewOffset, final int viewLength, final int frameTag,
        final int from, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        dst.putLong(dstOffset, data.sequence(position));
    }

    /** Drains a reader, returning the DBuf sequence of each element it held. */
    public static List<Long> sequences(final IndexReader reader)
    {
        final List<Long> sequences = new ArrayList<>();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1 << 16]);
        final SequenceReader format = new SequenceReader();
        int n;
        while ((n = reader.read(buffer, 0, buffer.capacity(), format)) > 0)
        {
            for (int at = 0; at < n; at += 8)
            {
                sequences.add(buffer.getLong(at));
            }
        }
        reader.close();
        return sequences;
    }
}
