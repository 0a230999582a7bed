package org.pipesfs.filters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.nic.pcap.CaptureReader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code decap} against tshark, frame by frame: which of {@code decap/{ip,ip6}/{tcp,udp}} a frame
 * reaches is the innermost network and transport layer tshark finds through the tunnels, and
 * the GETs and DNS queries under {@code decap} are the frames where tshark finds
 * {@code http.request.method == "GET"} and {@code dns.flags.response == 0}.
 */
class DecapAgreesWithTsharkTest
{
    /** tshark's names for the layers decap strips, and may find a packet behind. */
    private static final Set<String> TUNNEL_LAYERS = Set.of("eth", "ethertype", "vlan", "ieee8021ad", "mpls", "pppoes", "ppp", "udp",
        "l2tp", "gre", "vxlan", "geneve", "gtp");
    private static final List<String> NODES = List.of("ip/tcp", "ip/udp", "ip6/tcp", "ip6/udp", "ip/tcp/http/get",
        "ip6/tcp/http/get", "ip/udp/dns/query", "ip6/udp/dns/query");

    @TempDir
    Path dir;

    @Test
    void syntheticTunnelsNestedUpToThreeDeepMatchTshark() throws Exception
    {
        final Path capture = dir.resolve("tunnels.pcap");
        final Map<String, Integer> kinds = TunnelFrames.writeCapture(capture, 31, 6000, 3);
        for (final String tunnel : TunnelFrames.TUNNELS)
        {
            assertThat(kinds).as("every tunnel kind is in the capture").containsKey(tunnel);
        }
        final Map<String, TreeSet<Integer>> ours = ours(capture);
        assertSame(capture, ours, tsharks(capture));
        assertThat(ours.get("ip/tcp/http/get").size() + ours.get("ip6/tcp/http/get").size()).isGreaterThan(1000);
        assertThat(ours.get("ip/udp/dns/query").size() + ours.get("ip6/udp/dns/query").size()).isGreaterThan(1000);
    }

    /** {@code decap/tcp/stream}: each inner flow's bytes, as tshark follows the inner TCP. */
    @Test
    void streamUnderDecapFollowsInnerFlowsAsTsharkDoes() throws Exception
    {
        final Path capture = dir.resolve("tunnelled-flows.pcap");
        TunnelFrames.writeCapture(capture, 53, 1500, 3);
        final Map<String, byte[]> expected = Tshark.follow(capture);
        assertThat(expected).hasSizeGreaterThan(200);
        final Map<String, byte[]> ours = StreamFollowAgreesWithTsharkTest.ours(capture, expected.keySet(),
            org.pipesfs.buffers.BufferPolicy.LOSSY, "decap", "tcp");
        assertThat(ours.keySet()).isEqualTo(expected.keySet());
        for (final String flow : expected.keySet())
        {
            assertThat(ours.get(flow)).as(flow).isEqualTo(expected.get(flow));
        }
    }

    @Test
    void everySharedCaptureMatchesTshark() throws Exception
    {
        try (var captures = Files.list(Captures.DIR))
        {
            for (final Path capture : captures.sorted().toList())
            {
                if (capture.getFileName().toString().equals("malformed.pcap"))
                {
                    continue; // text, not a capture: neither tshark nor PipesFS reads it
                }
                assertSame(capture, ours(capture), tsharks(capture));
            }
        }
    }

    /** Per node, the frames only one side has, so a failure names them. */
    private static void assertSame(
        final Path capture, final Map<String, TreeSet<Integer>> ours, final Map<String, TreeSet<Integer>> tsharks)
    {
        final Map<String, String> differences = new TreeMap<>();
        for (final String node : NODES)
        {
            final TreeSet<Integer> onlyOurs = new TreeSet<>(ours.get(node));
            onlyOurs.removeAll(tsharks.get(node));
            final TreeSet<Integer> onlyTsharks = new TreeSet<>(tsharks.get(node));
            onlyTsharks.removeAll(ours.get(node));
            if (!onlyOurs.isEmpty() || !onlyTsharks.isEmpty())
            {
                differences.put(node, "only decap " + first(onlyOurs) + ", only tshark " + first(onlyTsharks));
            }
        }
        assertThat(differences).as(capture.getFileName().toString()).isEmpty();
    }

    private static List<Integer> first(final TreeSet<Integer> frames)
    {
        return frames.stream().limit(10).toList();
    }

    /** Node to the frame numbers (1-based) it held. */
    private static Map<String, TreeSet<Integer>> ours(final Path capture)
    {
        final DataBuffer data = new DataBuffer(64 << 20, BufferPolicy.LOSSY);
        final NodeGraph graph = new NodeGraph(data, BufferPolicy.LOSSY, 1 << 18);
        final Node decap = graph.create(graph.root(), "decap");
        final Map<String, IndexReader> readers = new LinkedHashMap<>();
        for (final String path : NODES)
        {
            Node node = decap;
            for (final String name : path.split("/"))
            {
                final Node child = graph.child(node, name);
                node = child != null ? child : graph.create(node, name);
            }
            readers.put(path, graph.openReader(node));
        }
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            while (reader.next())
            {
                final long position = data.append(reader.buffer(), reader.offset(), reader.capturedLength(),
                    reader.originalLength(), reader.timestampNs(), reader.linkType());
                graph.onFrame(position, data.sequence(position), reader.capturedLength());
            }
        }
        final Map<String, TreeSet<Integer>> frames = new LinkedHashMap<>();
        readers.forEach((path, reader) ->
        {
            final TreeSet<Integer> numbers = new TreeSet<>();
            for (final long sequence : SequenceReader.sequences(reader))
            {
                numbers.add((int)sequence + 1);
            }
            frames.put(path, numbers);
        });
        return frames;
    }

    private static Map<String, TreeSet<Integer>> tsharks(final Path capture)
    {
        final String out = Tshark.run("-n", "-r", capture.toString(), "-o", "tcp.desegment_tcp_streams:FALSE",
            "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-T", "fields", "-E", "separator=/t",
            "-E", "occurrence=l", "-e", "frame.number", "-e", "frame.protocols", "-e", "http.request.method",
            "-e", "dns.flags.response");
        final Map<String, TreeSet<Integer>> frames = new LinkedHashMap<>();
        for (final String path : NODES)
        {
            frames.put(path, new TreeSet<>());
        }
        for (final String line : out.split("\n"))
        {
            if (line.isBlank())
            {
                continue;
            }
            final String[] f = line.split("\t", -1);
            final int frame = Integer.parseInt(f[0]);
            final String[] inner = innermost(f[1].split(":"));
            if (inner == null)
            {
                continue;
            }
            final String network = inner[0].equals("ipv6") ? "ip6" : "ip";
            if (inner[1] == null)
            {
                continue;
            }
            frames.get(network + "/" + inner[1]).add(frame);
            if (inner[1].equals("tcp") && inner[2].equals("http") && "GET".equals(f[2]))
            {
                frames.get(network + "/tcp/http/get").add(frame);
            }
            if (inner[1].equals("udp") && inner[2].equals("dns") && (f[3].equals("False") || f[3].equals("0")))
            {
                frames.get(network + "/udp/dns/query").add(frame);
            }
        }
        return frames;
    }

    /**
     * The innermost IP layer tshark reached through tunnels only (not, say, the packet an ICMP
     * error quotes), with the transport after it and the protocol after that:
     * {network, transport or null, application or ""}.
     */
    private static String[] innermost(final String[] layers)
    {
        int inner = -1;
        int previous = -1;
        for (int i = 0; i < layers.length; i++)
        {
            if (!layers[i].equals("ip") && !layers[i].equals("ipv6"))
            {
                continue;
            }
            boolean throughTunnels = true;
            for (int j = previous + 1; j < i; j++)
            {
                throughTunnels &= TUNNEL_LAYERS.contains(layers[j]) || layers[j].startsWith("ipv6.");
            }
            if (!throughTunnels && previous >= 0)
            {
                break;
            }
            inner = i;
            previous = i;
        }
        if (inner < 0)
        {
            return null;
        }
        int next = inner + 1;
        while (next < layers.length && layers[next].startsWith("ipv6."))
        {
            next++;
        }
        final String transport = next < layers.length && (layers[next].equals("tcp") || layers[next].equals("udp"))
            ? layers[next] : null;
        final String application = transport != null && next + 1 < layers.length ? layers[next + 1] : "";
        return new String[] {layers[inner], transport, application};
    }
}
