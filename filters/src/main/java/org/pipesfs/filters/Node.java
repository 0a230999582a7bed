package org.pipesfs.filters;

import org.pipesfs.buffers.IndexBuffer;
import org.pipesfs.buffers.IndexReader;

/**
 * One directory of the graph: a filter fed by its parent, with its own output ring. Its
 * element count in is written by the producer thread; everything else may be read anywhere.
 */
public final class Node
{
    private final String name;
    private final String filter;
    private final IndexBuffer output;
    private final long createdNs;
    private long elementsIn;

    Node(final String name, final String filter, final IndexBuffer output)
    {
        this.name = name;
        this.filter = filter;
        this.output = output;
        this.createdNs = System.currentTimeMillis() * 1_000_000L;
    }

    public String name()
    {
        return name;
    }

    /** What runs here, as {@code .stats} reports it: a filter spec, {@code root} or {@code user node}. */
    public String filter()
    {
        return filter;
    }

    public IndexBuffer output()
    {
        return output;
    }

    /** Opens an independent reader at the live head of this node's stream. */
    public IndexReader openReader()
    {
        return output.newReader();
    }

    public long elementsIn()
    {
        return elementsIn;
    }

    public long createdNs()
    {
        return createdNs;
    }

    void countIn()
    {
        elementsIn++;
    }
}
