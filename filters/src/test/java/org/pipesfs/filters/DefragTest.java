package org.pipesfs.filters;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexReader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code defrag}: fragment trains of IPv4 and IPv6 datagrams in every order give back the datagrams. */
class DefragTest
{
    private static final int PROTO_UDP = 17;

    private final Random random = new Random(7);
    private final DataBuffer data = new DataBuffer(64 << 20, BufferPolicy.LOSSLESS);
    private final NodeGraph graph = new NodeGraph(data, BufferPolicy.LOSSLESS, 1 << 16);
    private final Node defrag4 = graph.create(graph.create(graph.root(), "ip"), "defrag");
    private final Node defrag6 = graph.create(graph.create(graph.root(), "ip6"), "defrag");
    private final Node udp4 = graph.create(defrag4, "udp");
    private final IndexReader reader4 = defrag4.openReader();
    private final IndexReader reader6 = defrag6.openReader();
    private final IndexReader readerUdp4 = udp4.openReader();
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 20]);

    /** An IPv4 UDP datagram of {@code payload} random bytes, as an IP packet. */
    private byte[] datagram4(final int id, final int payload)
    {
        return datagram4(0x0a000001, id, payload);
    }

    private byte[] datagram4(final int source, final int id, final int payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(20 + 8 + payload).order(ByteOrder.BIG_ENDIAN);
        b.put((byte)0x45).put((byte)0).putShort((short)(28 + payload)).putShort((short)id).putShort((short)0)
            .put((byte)64).put((byte)PROTO_UDP).putShort((short)0).putInt(source).putInt(0x0a000002);
        b.putShort((short)5000).putShort((short)53).putShort((short)(8 + payload)).putShort((short)0);
        final byte[] body = new byte[payload];
        random.nextBytes(body);
        b.put(body);
        final byte[] packet = b.array();
        final UnsafeBuffer u = new UnsafeBuffer(packet);
        u.putShort(10, (short)checksum(packet, 0, 20), ByteOrder.BIG_ENDIAN);
        return packet;
    }

    /** An IPv6 UDP datagram of {@code payload} random bytes, as an IP packet. */
    private byte[] datagram6(final int payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(40 + 8 + payload).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0x60000000).putShort((short)(8 + payload)).put((byte)PROTO_UDP).put((byte)64);
        b.putLong(0x20010db800000000L).putLong(1).putLong(0x20010db800000000L).putLong(2);
        b.putShort((short)5000).putShort((short)53).putShort((short)(8 + payload)).putShort((short)0);
        final byte[] body = new byte[payload];
        random.nextBytes(body);
        b.put(body);
        return b.array();
    }

    /** The datagram's fragments, each carrying at most {@code mtu} bytes of IP packet, as IP packets. */
    private static List<byte[]> fragments4(final byte[] datagram, final int mtu)
    {
        final int chunk = (mtu - 20) & ~7;
        final List<byte[]> fragments = new ArrayList<>();
        for (int at = 0; at < datagram.length - 20; at += chunk)
        {
            final int length = Math.min(chunk, datagram.length - 20 - at);
            final byte[] f = new byte[20 + length];
            System.arraycopy(datagram, 0, f, 0, 20);
            System.arraycopy(datagram, 20 + at, f, 20, length);
            final UnsafeBuffer u = new UnsafeBuffer(f);
            final boolean more = at + length < datagram.length - 20;
            u.putShort(2, (short)f.length, ByteOrder.BIG_ENDIAN);
            u.putShort(6, (short)((more ? 0x2000 : 0) | at / 8), ByteOrder.BIG_ENDIAN);
            u.putShort(10, (short)0);
            u.putShort(10, (short)checksum(f, 0, 20), ByteOrder.BIG_ENDIAN);
            fragments.add(f);
        }
        return fragments;
    }

    private static List<byte[]> fragments6(final byte[] datagram, final int id, final int mtu)
    {
        final int chunk = (mtu - 48) & ~7;
        final List<byte[]> fragments = new ArrayList<>();
        for (int at = 0; at < datagram.length - 40; at += chunk)
        {
            final int length = Math.min(chunk, datagram.length - 40 - at);
            final byte[] f = new byte[48 + length];
            System.arraycopy(datagram, 0, f, 0, 40);
            System.arraycopy(datagram, 40 + at, f, 48, length);
            final UnsafeBuffer u = new UnsafeBuffer(f);
            final boolean more = at + length < datagram.length - 40;
            u.putShort(4, (short)(8 + length), ByteOrder.BIG_ENDIAN);
            u.putByte(6, (byte)44);
            u.putByte(40, datagram[6]);
            u.putByte(41, (byte)0);
            u.putShort(42, (short)(at | (more ? 1 : 0)), ByteOrder.BIG_ENDIAN);
            u.putInt(44, id, ByteOrder.BIG_ENDIAN);
            fragments.add(f);
        }
        return fragments;
    }

    private void send(final byte[] ipPacket)
    {
        final byte[] frame = new byte[14 + ipPacket.length];
        frame[12] = (byte)((ipPacket[0] & 0xf0) == 0x60 ? 0x86 : 0x08);
        frame[13] = (byte)((ipPacket[0] & 0xf0) == 0x60 ? 0xdd : 0x00);
        System.arraycopy(ipPacket, 0, frame, 14, ipPacket.length);
        final long position = data.append(new UnsafeBuffer(frame), 0, frame.length, frame.length, 0, 1);
        graph.onFrame(position, data.sequence(position), frame.length);
    }

    private List<byte[]> elements(final IndexReader reader)
    {
        final List<byte[]> elements = new ArrayList<>();
        final UnsafeBuffer one = new UnsafeBuffer(new byte[1 << 17]);
        while (reader.backlog() > 0)
        {
            // one element per read: a buffer just large enough for the next one
            final int n = reader.read(one, 0, one.capacity(), new ElementFormat()
            {
                private boolean took;

                public int length(final DataBuffer d, final long p, final int o, final int l, final int t)
                {
                    if (took)
                    {
                        return Integer.MAX_VALUE / 2;
                    }
                    took = true;
                    return l;
                }

                public void copy(final DataBuffer d, final long p, final int o, final int l, final int t, final int from,
                    final org.agrona.MutableDirectBuffer dst, final int at, final int count)
                {
                    ElementFormat.VIEW.copy(d, p, o, l, t, from, dst, at, count);
                }
            });
            elements.add(Arrays.copyOf(one.byteArray(), n));
        }
        return elements;
    }

    @Test
    void ipv4AndIpv6TrainsInOrderOutOfOrderAndDuplicatedGiveTheDatagrams()
    {
        final List<byte[]> expected4 = new ArrayList<>();
        final List<byte[]> expected6 = new ArrayList<>();
        for (int i = 0; i < 300; i++)
        {
            final int order = i % 3; // 0 in order, 1 shuffled, 2 shuffled with repeats
            final byte[] d4 = datagram4(i, 2000 + random.nextInt(7000)); // always more than one fragment
            final byte[] d6 = datagram6(2000 + random.nextInt(7000));
            final List<byte[]> f4 = fragments4(d4, 576 + random.nextInt(1000));
            final List<byte[]> f6 = fragments6(d6, 10_000 + i, 1280 + random.nextInt(300));
            for (final List<byte[]> train : List.of(f4, f6))
            {
                if (order > 0)
                {
                    Collections.shuffle(train, random);
                }
                if (order == 2)
                {
                    for (int k = 0; k < 3; k++)
                    {
                        // a repeat right after its original, so no second full train forms
                        final int at = random.nextInt(train.size());
                        train.add(at + 1, train.get(at));
                    }
                }
            }
            f4.forEach(this::send);
            f6.forEach(this::send);
            expected4.add(d4);
            expected6.add(d6);
            final byte[] small = datagram4(70_000 + i, 50); // and an unfragmented one between trains
            send(small);
            expected4.add(small);
        }
        final List<byte[]> got4 = elements(reader4);
        final List<byte[]> got6 = elements(reader6);
        assertThat(got4).hasSize(expected4.size());
        for (int i = 0; i < expected4.size(); i++)
        {
            assertThat(got4.get(i)).as("IPv4 datagram %d", i).isEqualTo(expected4.get(i));
        }
        assertThat(got6).hasSize(expected6.size());
        for (int i = 0; i < expected6.size(); i++)
        {
            assertThat(got6.get(i)).as("IPv6 datagram %d", i).isEqualTo(expected6.get(i));
        }
        // children see whole datagrams: udp under defrag gets every one, header and all
        assertThat(elements(readerUdp4)).hasSize(expected4.size());
        final DefragFilter filter = (DefragFilter)defrag4.filter();
        assertThat(filter.reassembled()).isEqualTo(300);
        assertThat(filter.dropped()).isZero();
        assertThat(filter.bytesCopied()).as("two copies of each fragmented byte").isGreaterThan(2L * 300 * 100);
    }

    @Test
    void aFloodOfMaliciousFragmentsStaysBoundedAndValidTrainsStillComeThrough()
    {
        final Runtime runtime = Runtime.getRuntime();
        int valid = 0;
        for (int i = 0; i < 200_000; i++)
        {
            final byte[] d = datagram4(0x0b000000 + i, i & 0xffff, 600 + random.nextInt(2000));
            final List<byte[]> f = fragments4(d, 128 + random.nextInt(400));
            switch (random.nextInt(5))
            {
                case 0 -> send(f.get(0)); // never completed
                case 1 -> { // overlapping: the second fragment starts 8 bytes early
                    final byte[] g = f.get(Math.min(1, f.size() - 1)).clone();
                    final UnsafeBuffer u = new UnsafeBuffer(g);
                    u.putShort(6, (short)(u.getShort(6, ByteOrder.BIG_ENDIAN) - 1), ByteOrder.BIG_ENDIAN);
                    send(f.get(0));
                    send(g);
                }
                case 2 -> { // tiny: a non-final fragment of 4 bytes
                    final byte[] g = Arrays.copyOf(f.get(0), 24);
                    new UnsafeBuffer(g).putShort(2, (short)24, ByteOrder.BIG_ENDIAN);
                    send(g);
                }
                case 3 -> { // a repeat with different bytes
                    final byte[] g = f.get(0).clone();
                    g[g.length - 1] ^= 1;
                    send(f.get(0));
                    send(g);
                }
                default -> {
                    f.forEach(this::send);
                    valid++;
                }
            }
            if ((i & 1023) == 0)
            {
                elements(reader4);
                elements(reader6);
                elements(readerUdp4);
            }
        }
        final DefragFilter filter = (DefragFilter)defrag4.filter();
        assertThat(filter.reassembled()).as("every contiguous valid train").isEqualTo(valid);
        assertThat(filter.dropped()).isGreaterThan(100_000);
        assertThat(filter.pending()).isLessThanOrEqualTo(DefragFilter.SLOTS);
        assertThat(filter.memory()).as("reassembly memory").isLessThanOrEqualTo(DefragFilter.SLOTS * (65_535L + 256 + 1024));
        assertThat(runtime.totalMemory() - runtime.freeMemory()).isLessThan(1L << 30);
    }

    private static int checksum(final byte[] b, final int at, final int length)
    {
        int sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            sum += (b[at + i] & 0xff) << 8 | b[at + i + 1] & 0xff;
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return ~sum & 0xffff;
    }
}
