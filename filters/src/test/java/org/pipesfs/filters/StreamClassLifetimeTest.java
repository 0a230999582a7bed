package org.pipesfs.filters;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexReader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code stream} node's class directories live as long as their flows: a flow direction that
 * closes, or stays idle, loses its directory, and the memory it held comes back to the budget;
 * a reader already reading it drains what it holds, then reads end-of-file.
 */
class StreamClassLifetimeTest
{
    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;

    private final TestFrames frames = new TestFrames();

    @Test
    void aClosedFlowLosesItsDirectoryOnceItsReaderHasDrainedIt()
    {
        final NodeGraph graph = new NodeGraph(new DataBuffer(16 << 20, BufferPolicy.LOSSLESS), BufferPolicy.LOSSLESS, 1 << 12)
            .withDefaultTree();
        final Node stream = graph.create(graph.lookup("/ip/tcp"), "stream");
        final long budgetWithoutFlows = graph.budget().used();
        // a script opens the flow's all before its data arrives: the class is made on first use
        final Node flow = graph.lookup("/ip/tcp/stream/0.0.0.1.40000-0.0.0.2.80");
        assertThat(flow).isNotNull();
        frames.feed(graph, frames.tcp4(1, 2, 40000, 80, 100, SYN, ""));
        final IndexReader reader = graph.openReader(flow);
        frames.feed(graph, frames.tcp4(1, 2, 40000, 80, 101, ACK | PSH, "hello"));
        frames.feed(graph, frames.tcp4(1, 2, 40000, 80, 106, ACK | FIN, ""));
        graph.publish();

        assertThat(stream.child("0.0.0.1.40000-0.0.0.2.80")).as("closed: its directory is gone").isNull();
        final UnsafeBuffer out = new UnsafeBuffer(new byte[4096]);
        assertThat(reader.read(out, 0, out.capacity(), ElementFormat.VIEW)).isEqualTo(5);
        assertThat(out.getStringWithoutLengthAscii(0, 5)).isEqualTo("hello");
        assertThat(reader.read(out, 0, out.capacity(), ElementFormat.VIEW)).isZero();
        assertThat(reader.isEnded()).as("then end-of-file").isTrue();
        reader.close();
        assertThat(graph.budget().used()).as("the class's share and ring came back").isEqualTo(budgetWithoutFlows);
    }

    @Test
    void anIdleFlowLosesItsDirectoryWhileBusyFlowsKeepTheirs()
    {
        final NodeGraph graph = new NodeGraph(new DataBuffer(16 << 20, BufferPolicy.LOSSLESS), BufferPolicy.LOSSLESS, 1 << 12)
            .withDefaultTree();
        final Node stream = graph.create(graph.lookup("/ip/tcp"), "stream");
        frames.feed(graph, frames.tcp4(1, 2, 40001, 80, 0, ACK | PSH, "x"));
        assertThat(stream.child("0.0.0.1.40001-0.0.0.2.80")).isNotNull();
        final int busy = frames.tcp4(1, 2, 40002, 80, 0, ACK | PSH, "y");
        for (int seq = 0; seq <= StreamReassembler.IDLE_SEGMENTS + 70_000; seq++)
        {
            frames.frame.putInt(38, seq, TestFrames.NET);
            frames.feed(graph, busy);
        }
        assertThat(stream.child("0.0.0.1.40001-0.0.0.2.80")).as("idle for 2^20 segments: gone").isNull();
        assertThat(stream.child("0.0.0.1.40002-0.0.0.2.80")).as("busy all along: kept").isNotNull();
    }
}
