package org.pipesfs.filters;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexReader;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeGraphTest
{
    private final TestFrames frames = new TestFrames();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 20]);

    private static NodeGraph graph()
    {
        return new NodeGraph(new DataBuffer(16 << 20, BufferPolicy.LOSSLESS), BufferPolicy.LOSSLESS, 1 << 12)
            .withDefaultTree();
    }

    private String readAll(final IndexReader reader)
    {
        final StringBuilder text = new StringBuilder();
        int n;
        while ((n = reader.read(out, 0, out.capacity(), ElementFormat.VIEW)) > 0)
        {
            text.append(out.getStringWithoutLengthAscii(0, n));
        }
        return text.toString();
    }

    /** Why {@code operation} was refused, or null if it was not. */
    private static GraphException.Reason refusal(final Runnable operation)
    {
        try
        {
            operation.run();
            return null;
        }
        catch (final GraphException ex)
        {
            return ex.reason();
        }
    }

    @Test
    void defaultTreeClassifiesAndEachNodeShowsItsOwnLayerOfTheSameSlot()
    {
        final NodeGraph graph = graph();
        final IndexReader ip = graph.lookup("/ip").openReader();
        final IndexReader http = graph.lookup("/ip/tcp/http").openReader();
        final IndexReader get = graph.lookup("/ip/tcp/http/get").openReader();
        frames.feed(graph, frames.tcp4(0x0a000001, 0x0a000002, 40000, 80, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
        frames.feed(graph, frames.tcp4(0x0a000002, 0x0a000001, 80, 40000, "HTTP/1.1 200 OK\r\n\r\n"));
        frames.feed(graph, frames.tcp4(0x0a000001, 0x0a000002, 40000, 80, "POST /b HTTP/1.1\r\n\r\n"));
        frames.feed(graph, frames.dns(false));
        frames.feed(graph, frames.dns(true));
        frames.feed(graph, frames.arp());

        assertThat(readAll(get)).isEqualTo("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readAll(http)).isEqualTo("GET /a HTTP/1.1\r\nHost: x\r\n\r\nHTTP/1.1 200 OK\r\n\r\nPOST /b HTTP/1.1\r\n\r\n");
        final int n = ip.read(out, 0, out.capacity(), ElementFormat.VIEW);
        assertThat(out.getByte(0)).as("ip shows the IP header first").isEqualTo((byte)0x45);
        assertThat(n).isGreaterThan(5 * 20);
        assertThat(graph.lookup("/ip/tcp/http/post")).isNotNull();
        assertThat(graph.lookup("/ip/tcp/http/response").elementsOut()).isEqualTo(1);
        assertThat(graph.lookup("/ip/udp/dns/query").elementsOut()).isEqualTo(1);
        assertThat(graph.lookup("/ip/udp/dns/response").elementsOut()).isEqualTo(1);
        assertThat(graph.lookup("/arp").elementsOut()).isEqualTo(1);
        assertThat(graph.lookup("/ip6/tcp").elementsOut()).isZero();
        assertThat(graph.lookup("/ip/tcp").elementsIn()).as("classified once per node").isEqualTo(5);
        assertThat(graph.data().nextSequence()).as("one slot per frame").isEqualTo(6);
        assertThat(graph.lookup("/ip/tcp/http").describe()).isEqualTo("http");
    }

    @Test
    void aLossyReaderIsLappedOnlyWhenItFallsAWholeBufferBehindNotAFullIndexRing()
    {
        final int frameCount = 100_000; // 71-byte DNS frames: 12 MiB of a 64 MiB DBuf
        final int bufferBytes = 64 << 20;
        assertThat(lossyLag(NodeGraph.indexEntriesFor(BufferPolicy.LOSSY, bufferBytes), bufferBytes, frameCount))
            .as("dropped by a reader that fell 100k frames behind")
            .isZero();
        assertThat(lossyLag(NodeGraph.DEFAULT_INDEX_ENTRIES, bufferBytes, frameCount))
            .as("a lossless-sized ring laps the same reader, which skips to the live tail, while the DBuf still holds every frame")
            .isEqualTo(frameCount);
        assertThat(NodeGraph.indexEntriesFor(BufferPolicy.LOSSLESS, bufferBytes)).isEqualTo(NodeGraph.DEFAULT_INDEX_ENTRIES);
        assertThat(NodeGraph.indexEntriesFor(BufferPolicy.LOSSY, 1 << 30)).isEqualTo(NodeGraph.MAX_LOSSY_INDEX_ENTRIES);
        assertThat(NodeGraph.indexEntriesFor(BufferPolicy.LOSSY, 1 << 20)).isEqualTo(NodeGraph.DEFAULT_INDEX_ENTRIES);
    }

    @Test
    void aLosslessGraphCyclesThroughTheCacheWindowUnlessAStreamNodeMayHoldRecords()
    {
        final int capacity = 64 << 20;
        final NodeGraph graph = new NodeGraph(new DataBuffer(capacity, BufferPolicy.LOSSLESS), BufferPolicy.LOSSLESS, 1 << 12)
            .withDefaultTree();
        assertThat(highestFrameEnd(graph, 2 * capacity)).as("records end inside the window")
            .isLessThanOrEqualTo(NodeGraph.CACHE_WINDOW).isGreaterThan(NodeGraph.CACHE_WINDOW - 2000);

        final Node stream = graph.create(graph.lookup("/ip/tcp"), "stream");
        assertThat(highestFrameEnd(graph, 2 * capacity)).as("with a stream node, the whole ring")
            .isGreaterThan(capacity - 2000);

        for (final Node flow : stream.children())
        {
            graph.remove(flow);
        }
        graph.remove(stream);
        assertThat(highestFrameEnd(graph, 2 * capacity)).as("narrow again from the next record on")
            .isLessThanOrEqualTo(NodeGraph.CACHE_WINDOW);

        final NodeGraph lossy = new NodeGraph(new DataBuffer(capacity, BufferPolicy.LOSSY), BufferPolicy.LOSSY, 1 << 12)
            .withDefaultTree();
        assertThat(highestFrameEnd(lossy, 2 * capacity)).as("lossy: the ring is how far a reader may lag")
            .isGreaterThan(capacity - 2000);
    }

    /** Feeds about {@code bytes} of 1454-byte TCP frames; returns the highest frame-ring offset any of them ended at. */
    private long highestFrameEnd(final NodeGraph graph, final long bytes)
    {
        final int length = frames.tcp4(0x0a000001, 0x0a000002, 40000, 80, "x".repeat(1400));
        final long mask = graph.data().capacity() - 1;
        long highest = 0;
        for (long fed = 0; fed < bytes; fed += length)
        {
            frames.feed(graph, length);
            highest = Math.max(highest, ((graph.data().tail() - 1) & mask) + 1);
        }
        return highest;
    }

    /** Feeds frames to a lossy graph whose root reader reads only afterwards; returns what it lost. */
    private long lossyLag(final int indexEntries, final int bufferBytes, final int frameCount)
    {
        final NodeGraph graph = new NodeGraph(new DataBuffer(bufferBytes, BufferPolicy.LOSSY), BufferPolicy.LOSSY, indexEntries);
        final IndexReader reader = graph.root().openReader();
        final int length = frames.dns(false);
        for (int i = 0; i < frameCount; i++)
        {
            frames.feed(graph, length);
        }
        long bytes = 0;
        int n;
        while ((n = reader.read(out, 0, out.capacity(), ElementFormat.VIEW)) > 0)
        {
            bytes += n;
        }
        assertThat(bytes + reader.dropped() * length).as("every frame is read or counted as dropped")
            .isEqualTo((long)frameCount * length);
        return reader.dropped();
    }

    @Test
    void userNodeGetsNothingFromItsParentAndLinksSpliceSourcesOnceInOrder()
    {
        final NodeGraph graph = graph();
        final Node tcp = graph.lookup("/ip/tcp");
        final Node port80 = graph.create(tcp, "port=80");
        final Node port443 = graph.create(tcp, "port=443");
        final Node web = graph.create(graph.root(), "web");
        assertThat(web.describe()).isEqualTo("user node");
        graph.link(web, "plain", port80, "/pipes/ip/tcp/port=80");
        graph.link(web, "tls", port443, "/pipes/ip/tcp/port=443");
        final IndexReader reader = web.openReader();
        final List<Long> expected = new ArrayList<>();
        expected.add(frames.feed(graph, frames.tcp4(1, 2, 40000, 80, "a")));
        frames.feed(graph, frames.tcp4(1, 2, 40000, 22, "b"));
        expected.add(frames.feed(graph, frames.tcp4(1, 2, 40000, 443, "c")));
        expected.add(frames.feed(graph, frames.tcp4(1, 2, 80, 443, "d")));
        assertThat(web.elementsOut()).as("80->443 reached through both links, once").isEqualTo(3);
        // A user node shows its sources' view: here TCP segments of 20 header bytes and one payload byte.
        final String segments = readAll(reader);
        assertThat(segments).hasSize(63);
        assertThat("" + segments.charAt(20) + segments.charAt(41) + segments.charAt(62)).isEqualTo("acd");
        assertThat(graph.linkNamed(web, "tls").target()).isEqualTo("/pipes/ip/tcp/port=443");

        graph.unlink(web, "tls");
        frames.feed(graph, frames.tcp4(1, 2, 40000, 443, "e"));
        assertThat(readAll(reader)).as("the unlinked input no longer feeds web").isEmpty();
        frames.feed(graph, frames.tcp4(1, 2, 40000, 80, "f"));
        assertThat(readAll(reader)).as("the other link still does").endsWith("f");
        assertThat(refusal(() -> graph.unlink(web, "tls"))).isEqualTo(GraphException.Reason.NO_SUCH_NODE);
        assertThat(expected).hasSize(3);
    }

    @Test
    void linksThatWouldLoopFailWithEloop()
    {
        final NodeGraph graph = graph();
        final Node ip = graph.lookup("/ip");
        final Node tcp = graph.lookup("/ip/tcp");
        final Node a = graph.create(graph.root(), "a");
        final Node b = graph.create(a, "b");
        assertThat(refusal(() -> graph.link(ip, "down", tcp, "/ip/tcp"))).as("tcp already flows from ip").isEqualTo(GraphException.Reason.LOOP);
        graph.link(tcp, "again", ip, "/ip"); // a second path, not a loop: elements still arrive once
        assertThat(refusal(() -> graph.link(a, "self", a, "a"))).isEqualTo(GraphException.Reason.LOOP);
        graph.link(a, "up", b, "/a/b"); // b is a user node: it takes nothing from a, so no circle
        final Node aTcp = graph.create(a, "tcp");
        assertThat(refusal(() -> graph.link(a, "filtered", aTcp, "/a/tcp"))).as("a -> a/tcp -> a").isEqualTo(GraphException.Reason.LOOP);
        graph.link(b, "fromTcp", tcp, "/ip/tcp");
        final Node c = graph.create(graph.root(), "c");
        graph.link(c, "fromB", b, "/a/b");
        assertThat(refusal(() -> graph.link(tcp, "fromC", c, "/c"))).as("c -> tcp -> b -> c").isEqualTo(GraphException.Reason.LOOP);
        assertThat(refusal(() -> graph.move(a, b, "a"))).isEqualTo(GraphException.Reason.INVALID);
    }

    @Test
    void classesRemovedOrMovedAwayAreNotMadeAgainAndMovedNodesFollowTheirNewParent()
    {
        final NodeGraph graph = graph();
        frames.feed(graph, frames.tcp4(1, 2, 40000, 80, "GET / HTTP/1.1\r\n\r\n"));
        final Node http = graph.lookup("/ip/tcp/http");
        final Node get = http.child("get");
        final Node clean = graph.create(graph.root(), "httpclean");
        graph.move(get, clean, "get");
        assertThat(graph.lookup("/httpclean/get")).isSameAs(get);
        frames.feed(graph, frames.tcp4(1, 2, 40000, 80, "GET /again HTTP/1.1\r\n\r\n"));
        assertThat(http.child("get")).as("moved away: not re-created").isNull();
        assertThat(graph.lookup("/ip/tcp/http/get")).as("nor on lookup").isNull();
        assertThat(get.elementsOut()).as("httpclean is a user node: nothing flows to get").isEqualTo(1);
        graph.link(clean, "src", http, "/ip/tcp/http");
        frames.feed(graph, frames.tcp4(1, 2, 40000, 80, "GET /linked HTTP/1.1\r\n\r\n"));
        assertThat(get.elementsOut()).as("get keeps working under its new parent").isEqualTo(2);

        final Node post = graph.lookup("/ip/tcp/http/post");
        final IndexReader postReader = post.openReader();
        graph.remove(post);
        assertThat(postReader.isEnded()).as("readers of a removed node get end-of-file").isTrue();
        frames.feed(graph, frames.tcp4(1, 2, 40000, 80, "POST / HTTP/1.1\r\n\r\n"));
        assertThat(http.child("post")).isNull();
        graph.create(http, "post");
        assertThat(http.child("post")).as("mkdir brings a class back").isNotNull();

        graph.link(http, "put", graph.lookup("/arp"), "/arp");
        assertThat(graph.lookup("/ip/tcp/http/put")).as("a link holds the name: no class shadows it").isNull();
        frames.feed(graph, frames.tcp4(1, 2, 40000, 80, "PUT / HTTP/1.1\r\n\r\n"));
        assertThat(http.child("put")).isNull();
        assertThat(graph.linkNamed(http, "put")).isNotNull();
    }

    @Test
    void renamingToAnotherSpecReconfiguresAndPosixErrorsAreExact()
    {
        final NodeGraph graph = graph();
        final Node udp = graph.lookup("/ip/udp");
        final Node node = graph.create(udp, "port=53");
        frames.feed(graph, frames.dns(false));
        assertThat(node.elementsOut()).isEqualTo(1);
        graph.move(node, udp, "port=54");
        frames.feed(graph, frames.dns(false));
        assertThat(node.elementsOut()).isEqualTo(1);
        assertThat(node.describe()).isEqualTo("port=54");

        assertThat(refusal(() -> graph.create(udp, "port=99999"))).isEqualTo(GraphException.Reason.INVALID);
        assertThat(refusal(() -> graph.create(udp, "expr=tcp port"))).isEqualTo(GraphException.Reason.INVALID);
        assertThat(refusal(() -> graph.create(udp, "host=300.1.1.1"))).isEqualTo(GraphException.Reason.INVALID);
        assertThat(refusal(() -> graph.create(udp, "x.pcap"))).isEqualTo(GraphException.Reason.INVALID);
        assertThat(refusal(() -> graph.create(udp, ".hidden"))).isEqualTo(GraphException.Reason.INVALID);
        assertThat(refusal(() -> graph.create(udp, "dns"))).isEqualTo(GraphException.Reason.EXISTS);
        assertThat(refusal(() -> graph.remove(graph.root()))).isEqualTo(GraphException.Reason.BUSY);
        assertThat(refusal(() -> graph.remove(graph.lookup("/ip")))).isEqualTo(GraphException.Reason.NOT_EMPTY);
        final Node empty = graph.create(graph.root(), "empty");
        final Node other = graph.create(graph.root(), "other");
        graph.move(other, graph.root(), "empty");
        assertThat(graph.lookup("/empty")).as("rename over an empty node replaces it").isSameAs(other);
        assertThat(empty.output().isEnded()).isTrue();
        graph.create(graph.lookup("/empty"), "child");
        final Node third = graph.create(graph.root(), "third");
        assertThat(refusal(() -> graph.move(third, graph.root(), "empty"))).isEqualTo(GraphException.Reason.NOT_EMPTY);
    }

    @Test
    void endOfStreamReachesEveryNodeIncludingOnesMadeLater()
    {
        final NodeGraph graph = graph();
        final IndexReader dns = graph.lookup("/ip/udp/dns").openReader();
        frames.feed(graph, frames.dns(false));
        graph.end();
        assertThat(dns.isEnded()).isFalse();
        readAll(dns);
        assertThat(dns.isEnded()).isTrue();
        assertThat(graph.create(graph.root(), "late").openReader().isEnded()).isTrue();
    }

    @Test
    void rewiringUnderLoadLeavesUntouchedNodesWithExactCounts() throws Exception
    {
        final NodeGraph graph = graph();
        final Node arp = graph.lookup("/arp");
        final Node dns = graph.lookup("/ip/udp/dns");
        final Node tcp = graph.lookup("/ip/tcp");
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final long[] operations = new long[1];
        final Thread rewire = new Thread(() ->
        {
            final SplittableRandom random = new SplittableRandom(5);
            try
            {
                while (!done.get())
                {
                    final Node web = graph.create(graph.root(), "web");
                    final Node port = graph.create(tcp, "port=" + (80 + random.nextInt(3)));
                    graph.link(web, "in", port, "/ip/tcp/port");
                    final Node moved = graph.create(web, "get");
                    graph.move(moved, graph.root(), "getter");
                    graph.move(port, tcp, "port=443");
                    graph.unlink(web, "in");
                    graph.remove(graph.lookup("/getter"));
                    graph.remove(port);
                    graph.remove(web);
                    operations[0] += 10;
                }
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        });
        rewire.start();
        long arps = 0;
        long dnsFrames = 0;
        final SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < 1_000_000; i++)
        {
            switch (random.nextInt(3))
            {
                case 0 -> { frames.feed(graph, frames.arp()); arps++; }
                case 1 -> { frames.feed(graph, frames.dns(random.nextBoolean())); dnsFrames++; }
                default -> frames.feed(graph, frames.tcp4(1, 2, 40000, 80 + random.nextInt(3), "GET / HTTP/1.1\r\n\r\n"));
            }
        }
        done.set(true);
        rewire.join();
        assertThat(failure.get()).isNull();
        assertThat(operations[0]).isGreaterThan(100);
        assertThat(arp.elementsOut()).isEqualTo(arps);
        assertThat(dns.elementsOut()).isEqualTo(dnsFrames);
        assertThat(graph.lookup("/ip").elementsOut()).isEqualTo(1_000_000 - arps);
        assertThat(graph.lookup("/ip/tcp/http/get").elementsOut()).isEqualTo(1_000_000 - arps - dnsFrames);
    }
}
