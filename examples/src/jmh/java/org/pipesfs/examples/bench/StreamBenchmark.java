package org.pipesfs.examples.bench;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.nic.synthetic.SyntheticGenerator;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * {@code tcp/stream/all} against plain {@code tcp/all} on one core, in the same run: each
 * operation offers a batch of synthetic frames (already in the DBuf) to a graph {@code /tcp}
 * or {@code /tcp/stream} and reads what the node yields into a 1 MiB buffer, as a reader's
 * {@code read()} would. The scores are bytes delivered to the reader per second
 * ({@code delivered}) and bytes the filters copied ({@code copied}): {@code stream} moves
 * index entries only, so the reader's own read is the one copy.
 *
 * <p>Every lap over the preloaded frames shifts the client ports, so each lap is new flows (a
 * reassembler would drop repeated sequence numbers as retransmissions).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class StreamBenchmark
{
    static final int FRAMES = 1 << 16;
    static final int BATCH = 256;

    @Param({"tcp", "stream"})
    String node;

    private DataBuffer data;
    private NodeGraph graph;
    private IndexReader reader;
    private final long[] positions = new long[FRAMES];
    private final long[] sequences = new long[FRAMES];
    private final int[] lengths = new int[FRAMES];
    private final int[] portOffsets = new int[FRAMES];
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 20]);
    private int next;

    /** Bytes delivered and copied, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes
    {
        public long delivered;
        public long copied;

        @Setup(Level.Iteration)
        public void clear()
        {
            delivered = 0;
            copied = 0;
        }
    }

    @Setup
    public void setUp()
    {
        data = new DataBuffer(256 << 20, BufferPolicy.LOSSY);
        graph = new NodeGraph(data, BufferPolicy.LOSSY, 1 << 16);
        Node at = graph.create(graph.root(), "tcp");
        if (node.equals("stream"))
        {
            at = graph.create(at, "stream");
        }
        reader = at.openReader();
        final SyntheticGenerator generator = new SyntheticGenerator(1);
        for (int i = 0; i < FRAMES; i++)
        {
            final long position = data.claim(SyntheticGenerator.MAX_FRAME);
            final int length = generator.next(data.buffer(), data.frameOffset(position));
            sequences[i] = data.commit(position, length, length, i, 1);
            positions[i] = position;
            lengths[i] = length;
            portOffsets[i] = clientPortOffset(data.buffer(), data.frameOffset(position), length);
        }
    }

    /** Offset of the TCP port of an untagged IPv4 frame's client side (the port above 1023), or -1. */
    private static int clientPortOffset(final UnsafeBuffer b, final int frame, final int length)
    {
        if (length < 54 || (b.getShort(frame + 12, ByteOrder.BIG_ENDIAN) & 0xffff) != 0x0800 || b.getByte(frame + 23) != 6)
        {
            return -1;
        }
        final int tcp = frame + 14 + (b.getByte(frame + 14) & 0x0f) * 4;
        return (b.getShort(tcp, ByteOrder.BIG_ENDIAN) & 0xffff) > 1023 ? tcp - frame : tcp + 2 - frame;
    }

    @Benchmark
    public void offerAndRead(final Bytes bytes)
    {
        final long copiedBefore = graph.transformCopies();
        for (int i = 0; i < BATCH; i++)
        {
            final int f = next;
            if (f == 0)
            {
                newFlows();
            }
            graph.onFrame(positions[f], sequences[f], lengths[f]);
            next = (f + 1) & (FRAMES - 1);
        }
        int n;
        while ((n = reader.read(out, 0, out.capacity(), ElementFormat.VIEW)) > 0)
        {
            bytes.delivered += n;
        }
        bytes.copied += graph.transformCopies() - copiedBefore;
    }

    /** Moves every client port on, so the next lap is new connections. */
    private void newFlows()
    {
        final UnsafeBuffer b = data.buffer();
        for (int i = 0; i < FRAMES; i++)
        {
            if (portOffsets[i] >= 0)
            {
                final int at = data.frameOffset(positions[i]) + portOffsets[i];
                final int port = b.getShort(at, ByteOrder.BIG_ENDIAN) & 0xffff;
                b.putShort(at, (short)(port == 65535 ? 1024 : port + 1), ByteOrder.BIG_ENDIAN);
            }
        }
    }
}
