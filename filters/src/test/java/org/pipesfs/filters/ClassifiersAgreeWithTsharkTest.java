package org.pipesfs.filters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.nic.pcap.CaptureReader;
import org.pipesfs.nic.synthetic.SyntheticCapture;
import org.pipesfs.nic.synthetic.TrafficMix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The http and dns classifiers put each frame in the class tshark gives it:
 * {@code http.request.method} (lower-cased) or a response, and {@code dns.flags.response}.
 * tshark runs without TCP reassembly, so it too judges each segment on its own.
 */
class ClassifiersAgreeWithTsharkTest
{
    @TempDir
    Path dir;

    /** frame number (1-based) to class, read from readers opened on every class node before the traffic. */
    private static TreeMap<Integer, String> ours(final Path capture)
    {
        final DataBuffer data = new DataBuffer(64 << 20, BufferPolicy.LOSSY);
        final NodeGraph graph = new NodeGraph(data, BufferPolicy.LOSSY, 1 << 18).withDefaultTree();
        final Map<String, IndexReader> readers = new LinkedHashMap<>();
        for (final String classifier : List.of("/ip/tcp/http", "/ip6/tcp/http", "/ip/udp/dns", "/ip6/udp/dns"))
        {
            final List<String> classes = classifier.endsWith("dns") ? List.of("query", "response")
                : List.of("get", "post", "put", "head", "delete", "options", "patch", "connect", "trace", "response");
            for (final String name : classes)
            {
                readers.put(classifier + " " + name, graph.lookup(classifier + "/" + name).openReader());
            }
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
        final TreeMap<Integer, String> classes = new TreeMap<>();
        for (final Map.Entry<String, IndexReader> entry : readers.entrySet())
        {
            final String kind = entry.getKey().contains("dns") ? "dns " : "http ";
            final String name = entry.getKey().substring(entry.getKey().indexOf(' ') + 1);
            for (final long sequence : SequenceReader.sequences(entry.getValue()))
            {
                classes.put((int)sequence + 1, kind + name);
            }
        }
        return classes;
    }

    private static TreeMap<Integer, String> tsharks(final Path capture) throws Exception
    {
        final String out = Tshark.run("-n", "-r", capture.toString(), "-o", "tcp.desegment_tcp_streams:FALSE",
            "-Y", "http.request or http.response or dns", "-T", "fields", "-E", "separator=/t",
            "-e", "frame.number", "-e", "http.request.method", "-e", "http.response", "-e", "dns.flags.response");
        final TreeMap<Integer, String> classes = new TreeMap<>();
        for (final String line : out.split("\n"))
        {
            if (line.isBlank())
            {
                continue;
            }
            final String[] f = line.split("\t", -1);
            final int frame = Integer.parseInt(f[0]);
            if (!f[1].isEmpty())
            {
                classes.put(frame, "http " + f[1].toLowerCase(Locale.ROOT));
            }
            else if (f.length > 2 && !f[2].isEmpty())
            {
                classes.put(frame, "http response");
            }
            else if (f.length > 3 && !f[3].isEmpty())
            {
                classes.put(frame, "dns " + (f[3].equals("True") || f[3].equals("1") ? "response" : "query"));
            }
        }
        return classes;
    }

    @Test
    void httpAndDnsClassesMatchTsharkOnSharedAndSyntheticCaptures() throws Exception
    {
        final Path synthetic = dir.resolve("synthetic.pcap");
        SyntheticCapture.write(synthetic, 77, TrafficMix.DEFAULT, 30_000, Long.MAX_VALUE);
        long compared = 0;
        for (final Path capture : List.of(Captures.of("http.pcap"), Captures.of("dns_icmp.pcap"),
            Captures.of("be.pcap"), Captures.of("truncated_dns.pcap"), synthetic))
        {
            final TreeMap<Integer, String> expected = tsharks(capture);
            assertThat(ours(capture)).as(capture.getFileName().toString()).isEqualTo(expected);
            compared += expected.size();
        }
        assertThat(compared).isGreaterThan(5000);
    }
}
