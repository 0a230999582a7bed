package org.pipesfs.filters;

import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;

/**
 * The packet-processing graph over one {@link DataBuffer}. It is the {@link FrameSink} of the
 * root's source: each committed frame is indexed into the root's ring as a whole-frame view.
 * Filter nodes below the root come with the filters and node graph issue.
 *
 * <p>Thread rules: {@link #onFrame} and {@link #end} run on the data buffer's producer thread;
 * lookups run on any thread.
 */
public final class NodeGraph implements FrameSink
{
    /** Entries per node ring unless configured otherwise. */
    public static final int DEFAULT_INDEX_ENTRIES = 1 << 16;

    private final DataBuffer data;
    private final Node root;

    public NodeGraph(final DataBuffer data, final BufferPolicy policy, final int indexEntries)
    {
        this.data = data;
        this.root = new Node("", "root", data.newIndexBuffer(indexEntries, policy));
    }

    public DataBuffer data()
    {
        return data;
    }

    public Node root()
    {
        return root;
    }

    public boolean onFrame(final long position, final long sequence, final int capturedLength)
    {
        root.countIn();
        return root.output().append(position, sequence, 0, capturedLength, 0);
    }

    /** End of stream from the source: readers get end-of-file once drained. */
    public void end()
    {
        root.output().end();
    }
}
