package org.pipesfs.fs.files;

import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.nic.synthetic.SyntheticSource;
import org.pipesfs.nic.synthetic.SyntheticSpec;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The producer thread's lossless rules, in process: wait for a reader, settle, never starve. */
class SourcePumpTest
{
    @Test
    void losslessWaitsForAReaderThenSettlesButReadersThatKeepComingCannotStarveIt() throws Exception
    {
        final DataBuffer data = new DataBuffer(8 << 20, BufferPolicy.LOSSLESS);
        final NodeGraph graph = new NodeGraph(data, BufferPolicy.LOSSLESS, 1 << 12).withDefaultTree();
        try (SourcePump pump = new SourcePump(new SyntheticSource(SyntheticSpec.parse("synthetic:rate=10000")),
            graph, BufferPolicy.LOSSLESS, false))
        {
            pump.start();
            Thread.sleep(200);
            assertThat(graph.root().elementsOut()).as("no reader: nothing generated").isZero();

            final IndexReader keep = graph.root().openReader();
            final Node arp = graph.lookup("/arp");
            final AtomicBoolean churning = new AtomicBoolean(true);
            final Thread churn = new Thread(() ->
            {
                while (churning.get())
                {
                    arp.openReader().close();
                    try
                    {
                        Thread.sleep(1);
                    }
                    catch (final InterruptedException ex)
                    {
                        return;
                    }
                }
            });
            churn.start();
            try
            {
                Thread.sleep(100);
                assertThat(graph.root().elementsOut()).as("settling while readers arrive").isZero();
                final long deadline = System.nanoTime() + 2_000_000_000L;
                while (graph.root().elementsOut() == 0 && System.nanoTime() < deadline)
                {
                    Thread.sleep(10);
                }
                assertThat(graph.root().elementsOut()).as("a reader opening every millisecond does not starve the stream")
                    .isPositive();
            }
            finally
            {
                churning.set(false);
                churn.join();
                keep.close();
            }
        }
    }
}
