package org.pipesfs.fs;

import org.pipesfs.buffers.Beltway;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.filters.NodeGraph;

/**
 * How a mount's graph is put together: its data buffer, its rings sized for the policy, its
 * memory budget and its default tree. The mount and the JIT warm-up both build theirs here, so
 * the warm-up compiles the code the mount runs. Throws {@link OutOfMemoryError} if the
 * buffers do not fit.
 */
final class MountAssembly
{
    private MountAssembly()
    {
    }

    static NodeGraph graph(
        final int bufferBytes, final BufferPolicy policy, final boolean bare, final long memoryBytes,
        final Beltway.MemoryAdvice advice)
    {
        final DataBuffer data = new DataBuffer(bufferBytes, policy);
        final NodeGraph graph = new NodeGraph(data, policy, NodeGraph.indexEntriesFor(policy, data.capacity()));
        if (advice != null)
        {
            data.beltway().adviseMemory(advice);
        }
        graph.withMemoryBudget(memoryBytes);
        if (!bare)
        {
            graph.withDefaultTree();
        }
        return graph;
    }
}
