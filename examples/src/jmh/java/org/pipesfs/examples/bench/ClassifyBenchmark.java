package org.pipesfs.examples.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.nic.synthetic.SyntheticGenerator;

import java.util.concurrent.TimeUnit;

/**
 * Classification of synthetic traffic through the default tree on one core: each
 * operation offers one frame already in the DBuf to the graph, which decodes it once and runs
 * every node's filter (root, ip/ip6, tcp/udp/icmp, http and its classes, dns and its classes,
 * arp). With {@code readers=none} nodes only count what they keep (entries are demand-driven);
 * with {@code readers=every} a reader is open on every node and class, so each keeping node
 * also appends its index entry. Score: frames per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class ClassifyBenchmark
{
    static final int FRAMES = 1 << 16;
    static final int BATCH = 1024;

    @Param({"none", "every"})
    String readers;

    private NodeGraph graph;
    private final long[] positions = new long[FRAMES];
    private final long[] sequences = new long[FRAMES];
    private final int[] lengths = new int[FRAMES];
    private int next;

    @Setup
    public void setUp()
    {
        final DataBuffer data = new DataBuffer(128 << 20, BufferPolicy.LOSSY);
        graph = new NodeGraph(data, BufferPolicy.LOSSY, 1 << 16).withDefaultTree();
        if (readers.equals("every"))
        {
            for (final String classifier : new String[] {"/ip/tcp/http", "/ip6/tcp/http"})
            {
                for (final String name : new String[] {"get", "post", "put", "head", "delete", "options", "response"})
                {
                    graph.lookup(classifier + "/" + name);
                }
            }
            for (final String name : new String[] {"/ip/udp/dns/query", "/ip/udp/dns/response", "/ip6/udp/dns/query",
                "/ip6/udp/dns/response"})
            {
                graph.lookup(name);
            }
            openEverywhere(graph.root());
        }
        final SyntheticGenerator generator = new SyntheticGenerator(1);
        for (int i = 0; i < FRAMES; i++)
        {
            final long position = data.claim(SyntheticGenerator.MAX_FRAME);
            final int length = generator.next(data.buffer(), data.frameOffset(position));
            sequences[i] = data.commit(position, length, length, i, 1);
            positions[i] = position;
            lengths[i] = length;
        }
    }

    private static void openEverywhere(final Node node)
    {
        node.openReader();
        for (final Node child : node.children())
        {
            openEverywhere(child);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public boolean classifyThroughDefaultTree()
    {
        boolean ok = true;
        for (int i = 0; i < BATCH; i++)
        {
            final int f = next;
            ok &= graph.onFrame(positions[f], sequences[f], lengths[f]);
            next = (f + 1) & (FRAMES - 1);
        }
        return ok;
    }
}
