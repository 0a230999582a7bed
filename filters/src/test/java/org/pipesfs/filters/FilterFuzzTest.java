package org.pipesfs.filters;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.filters.expr.ExprCompiler;
import org.pipesfs.filters.expr.ExprPacket;
import org.pipesfs.filters.expr.Matcher;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mutates real packets (bit flips, truncation, length and offset fields set to extreme values)
 * and runs every decoder view, every filter and classifier, a set of expr= matchers, and the
 * whole graph over them, under every link type. Nothing may throw.
 */
class FilterFuzzTest
{
    static final int[] LINK_TYPES = {1, 101, 12, 14, 113, 276, 0, 108, 999};
    static final String[] SPECS = {"eth", "vlan", "arp", "ip", "ip6", "tcp", "udp", "icmp", "icmp6", "http", "dns",
        "get", "post", "port=80", "sport=53", "dport=53", "host=10.0.0.1", "src=2001:db8::1", "dst=192.168.0.1",
        "expr=tcp[tcpflags] & tcp-syn != 0 or vlan and udp port 53 or ip6 and len > 100 or icmp[icmptype] = 8"};
    static final String[] EXPRESSIONS = {"tcp port 80", "vlan and vlan and ip", "ip[100:4] = 1", "ether[65000] = 1",
        "net 10.0.0.0/8 or host 2001:db8::1", "udp[8:2] & 0x8000 != 0", "arp and host 10.1.0.1", "portrange 1-1024"};
    static final byte[] EXTREMES = {0, 1, (byte)0x0f, (byte)0x45, (byte)0x60, (byte)0x80, (byte)0xf0, (byte)0xff};

    /** Frames from the shared captures (classic pcap, either byte order), plus one of each kind built here. */
    static List<byte[]> seeds() throws Exception
    {
        final List<byte[]> frames = new ArrayList<>();
        final Path captures = Captures.DIR;
        for (final String name : new String[] {"http.pcap", "dns_icmp.pcap", "test_ethernet.pcap", "be.pcap", "truncated_dns.pcap"})
        {
            final ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(captures.resolve(name)));
            file.order(file.getInt(0) == 0xa1b2c3d4 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            int at = 24;
            while (at + 16 <= file.limit())
            {
                final int length = file.getInt(at + 8);
                final byte[] frame = new byte[length];
                file.get(at + 16, frame);
                frames.add(frame);
                at += 16 + length;
            }
        }
        final TestFrames built = new TestFrames();
        for (final int length : new int[] {built.arp(), built.dns(true), built.tcp4(1, 2, 3, 80, "GET / HTTP/1.1\r\n\r\n")})
        {
            frames.add(java.util.Arrays.copyOf(built.frame.byteArray(), length));
        }
        return frames;
    }

    @Test
    void twoHundredThousandMutatedPacketsThroughEveryFilter() throws Exception
    {
        fuzz(200_000, 3);
    }

    @Test
    @Tag("nightly")
    void tenMillionMutatedPacketsThroughEveryFilter() throws Exception
    {
        fuzz(10_000_000, 4);
    }

    private static void fuzz(final int cases, final long seed) throws Exception
    {
        final List<byte[]> seeds = seeds();
        final List<Filter> filters = new ArrayList<>();
        for (final String spec : SPECS)
        {
            filters.add(Filters.parse(spec));
        }
        final List<Matcher> matchers = new ArrayList<>();
        for (final String expression : EXPRESSIONS)
        {
            matchers.add(ExprCompiler.compile(expression));
        }
        final PacketView view = new PacketView();
        final ExprPacket packet = new ExprPacket();
        final NodeGraph graph = new NodeGraph(new DataBuffer(8 << 20, BufferPolicy.LOSSY), BufferPolicy.LOSSY, 1 << 10)
            .withDefaultTree();
        graph.create(graph.root(), "expr=tcp or udp or icmp6 or arp or vlan");
        final SplittableRandom random = new SplittableRandom(seed);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[70_000]);
        long accepted = 0;
        for (int c = 0; c < cases; c++)
        {
            final byte[] original = seeds.get(random.nextInt(seeds.size()));
            int length = original.length;
            buffer.putBytes(0, original);
            switch (random.nextInt(4))
            {
                case 0 -> {
                    for (int flips = 1 + random.nextInt(6); flips > 0; flips--)
                    {
                        final int at = random.nextInt(length);
                        buffer.putByte(at, (byte)(buffer.getByte(at) ^ (1 << random.nextInt(8))));
                    }
                }
                case 1 -> length = random.nextInt(length + 1);
                case 2 -> {
                    // Header bytes are where lengths and offsets live: hit the first 80 hardest.
                    for (int hits = 1 + random.nextInt(3); hits > 0; hits--)
                    {
                        final int at = random.nextInt(Math.min(length, 80) + 1);
                        if (at < length)
                        {
                            buffer.putByte(at, EXTREMES[random.nextInt(EXTREMES.length)]);
                        }
                    }
                }
                default -> {
                    final int at = random.nextInt(Math.max(1, length - 1));
                    if (at + 1 < length)
                    {
                        buffer.putShort(at, (short)(random.nextBoolean() ? 0xffff : 0), ByteOrder.BIG_ENDIAN);
                    }
                    length = random.nextInt(length + 1);
                }
            }
            final int linkType = LINK_TYPES[random.nextInt(LINK_TYPES.length)];
            final int vlanMode = random.nextInt(4) - 1;
            // Exactly the frame's bytes: any read past its end throws instead of reading slack.
            final UnsafeBuffer exact = new UnsafeBuffer(java.util.Arrays.copyOf(buffer.byteArray(), length));
            view.decode(exact, 0, length, linkType, vlanMode).originalLength(length + random.nextInt(3));
            for (final Filter filter : filters)
            {
                if (filter.accept(view))
                {
                    accepted++;
                    if (filter instanceof Filter.Classifier classifier)
                    {
                        classifier.classify(view);
                    }
                }
            }
            for (final Matcher matcher : matchers)
            {
                packet.reset(exact, 0, length, length, linkType);
                Matcher.run(matcher, packet);
            }
            if ((c & 7) == 0)
            {
                final DataBuffer data = graph.data();
                final long position = data.append(buffer, 0, length, length, 0, linkType);
                graph.onFrame(position, data.sequence(position), length);
            }
        }
        assertThat(accepted).as("mutants still exercise the accepting paths").isGreaterThan(cases / 10);
    }
}
