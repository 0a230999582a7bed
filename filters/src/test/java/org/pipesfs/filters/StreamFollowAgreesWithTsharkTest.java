package org.pipesfs.filters;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.nic.pcap.CaptureReader;
import org.pipesfs.nic.pcap.PcapFileWriter;
import org.pipesfs.nic.synthetic.SyntheticCapture;
import org.pipesfs.nic.synthetic.TrafficMix;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code stream} against tshark's {@code -z follow,tcp,raw,N}: every flow's reassembled bytes,
 * in each direction, byte for byte, on http.pcap and on synthetic traffic whose segments were
 * split with overlaps, duplicated, shuffled and moved across the 2^32 sequence wrap.
 */
class StreamFollowAgreesWithTsharkTest
{
    @TempDir
    Path dir;

    private static long lastDuplicateBytes;

    /** Ours: the capture through a graph with /tcp/stream, a reader on every flow's class. */
    static Map<String, byte[]> ours(final Path capture, final Iterable<String> flows, final BufferPolicy policy)
    {
        return ours(capture, flows, policy, "tcp");
    }

    /** As {@link #ours(Path, Iterable, BufferPolicy)}, with {@code stream} under the nodes {@code path} names. */
    static Map<String, byte[]> ours(
        final Path capture, final Iterable<String> flows, final BufferPolicy policy, final String... path)
    {
        final DataBuffer data = new DataBuffer(8 << 20, policy);
        final NodeGraph graph = new NodeGraph(data, policy, 1 << 12);
        Node parent = graph.root();
        for (final String name : path)
        {
            parent = graph.create(parent, name);
        }
        final Node stream = graph.create(parent, "stream");
        final Map<String, IndexReader> readers = new LinkedHashMap<>();
        final Map<String, ByteArrayOutputStream> bytes = new LinkedHashMap<>();
        for (final String flow : flows)
        {
            final Node node = graph.child(stream, flow);
            assertThat(node).as("class %s made on lookup", flow).isNotNull();
            readers.put(flow, node.openReader());
            bytes.put(flow, new ByteArrayOutputStream());
        }
        final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 20]);
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            while (reader.next())
            {
                final long position = data.append(reader.buffer(), reader.offset(), reader.capturedLength(),
                    reader.originalLength(), reader.timestampNs(), reader.linkType());
                graph.onFrame(position, data.sequence(position), reader.capturedLength());
                drain(readers, bytes, out);
            }
        }
        graph.endSource();
        drain(readers, bytes, out);
        readers.values().forEach(r -> assertThat(r.isEnded()).isTrue());
        final org.pipesfs.filters.StreamReassembler reassembler = (org.pipesfs.filters.StreamReassembler)stream.filter();
        assertThat(reassembler.gapBytes()).as("no gap skipped: every byte was in the capture").isZero();
        assertThat(reassembler.holds()).isFalse();
        lastDuplicateBytes = reassembler.duplicateBytes();
        final Map<String, byte[]> result = new LinkedHashMap<>();
        bytes.forEach((name, stream1) -> result.put(name, stream1.toByteArray()));
        return result;
    }

    private static void drain(
        final Map<String, IndexReader> readers, final Map<String, ByteArrayOutputStream> bytes, final UnsafeBuffer out)
    {
        for (final Map.Entry<String, IndexReader> entry : readers.entrySet())
        {
            int n;
            while ((n = entry.getValue().read(out, 0, out.capacity(), ElementFormat.VIEW)) > 0)
            {
                bytes.get(entry.getKey()).write(out.byteArray(), 0, n);
            }
        }
    }

    private static void assertSameFlows(final Map<String, byte[]> expected, final Map<String, byte[]> actual)
    {
        for (final Map.Entry<String, byte[]> flow : expected.entrySet())
        {
            final byte[] mine = actual.get(flow.getKey());
            assertThat(mine).as("flow %s", flow.getKey()).isNotNull();
            if (!java.util.Arrays.equals(mine, flow.getValue()))
            {
                final int at = java.util.Arrays.mismatch(mine, flow.getValue());
                throw new AssertionError("flow " + flow.getKey() + ": " + mine.length + " bytes against tshark's "
                    + flow.getValue().length + ", first difference at byte " + at);
            }
        }
    }

    @Test
    void httpPcapFlowsEqualTsharksFollow() throws Exception
    {
        final Path capture = Captures.of("http.pcap");
        final Map<String, byte[]> expected = Tshark.follow(capture);
        assertThat(expected).containsKeys("145.254.160.237.3372-65.208.228.223.80", "65.208.228.223.80-145.254.160.237.3372");
        assertThat(expected.values().stream().mapToInt(b -> b.length).sum()).isGreaterThan(18_000);
        for (final BufferPolicy policy : BufferPolicy.values())
        {
            assertSameFlows(expected, ours(capture, expected.keySet(), policy));
        }
    }

    @Test
    void mangledSyntheticFlowsEqualTsharksFollow() throws Exception
    {
        final Path clean = dir.resolve("clean.pcap");
        SyntheticCapture.write(clean, 21, TrafficMix.DEFAULT, 6_000, Long.MAX_VALUE);
        final Path mangled = dir.resolve("mangled.pcap");
        final Mangler.Counts counts = new Mangler(21).mangle(clean, mangled);
        assertThat(counts.split()).isGreaterThan(200);
        assertThat(counts.duplicated()).isGreaterThan(100);
        assertThat(counts.reordered()).isGreaterThan(150);
        assertThat(counts.wrapped()).as("flows moved across the 2^32 wrap").isGreaterThan(10);
        final Map<String, byte[]> expected = Tshark.follow(mangled);
        assertThat(expected.size()).isGreaterThan(300);
        // Mangling changed no byte of any flow: tshark agrees with itself on the clean capture.
        assertSameFlows(Tshark.follow(clean), expected);
        assertSameFlows(expected, ours(mangled, expected.keySet(), BufferPolicy.LOSSLESS));
        assertThat(lastDuplicateBytes).as("overlapping and repeated bytes dropped").isGreaterThan(10_000);
    }

    /**
     * Rewrites a capture's untagged IPv4 TCP segments: splits some into two or three pieces that
     * overlap by up to 16 bytes, sends some twice, swaps some with the next segment of the same
     * flow, and shifts a quarter of the flows' sequence numbers to just below 2^32.
     */
    static final class Mangler
    {
        record Counts(int split, int duplicated, int reordered, int wrapped)
        {
        }

        private final Random random;

        Mangler(final long seed)
        {
            random = new Random(seed);
        }

        Counts mangle(final Path in, final Path out) throws Exception
        {
            final List<byte[]> frames = new ArrayList<>();
            final List<Long> times = new ArrayList<>();
            int split = 0;
            int duplicated = 0;
            final Map<String, Integer> shift = new LinkedHashMap<>();
            try (CaptureReader reader = CaptureReader.open(in))
            {
                while (reader.next())
                {
                    final byte[] frame = new byte[reader.capturedLength()];
                    reader.buffer().getBytes(reader.offset(), frame);
                    final long time = reader.timestampNs();
                    final UnsafeBuffer b = new UnsafeBuffer(frame);
                    if (!isPlainTcp4(b))
                    {
                        frames.add(frame);
                        times.add(time);
                        continue;
                    }
                    final int ihl = (b.getByte(14) & 0x0f) * 4;
                    final int tcp = 14 + ihl;
                    final String forward = flow(b, tcp, false);
                    final String backward = flow(b, tcp, true);
                    shiftSequences(b, tcp, forward, backward, shift, random);
                    final int doff = ((b.getByte(tcp + 12) & 0xff) >> 4) * 4;
                    final int payload = tcp + doff;
                    final int length = Math.min(frame.length, 14 + (b.getShort(16, ByteOrder.BIG_ENDIAN) & 0xffff)) - payload;
                    if (length > 40 && random.nextInt(3) == 0)
                    {
                        final int cut = 1 + random.nextInt(length - 20);
                        final int overlap = random.nextInt(17);
                        frames.add(piece(frame, tcp, payload, 0, Math.min(length, cut + overlap), length));
                        times.add(time);
                        frames.add(piece(frame, tcp, payload, cut, length - cut, length));
                        times.add(time);
                        split++;
                    }
                    else
                    {
                        frames.add(frame);
                        times.add(time);
                    }
                    if (length > 0 && random.nextInt(6) == 0)
                    {
                        frames.add(frame.clone());
                        times.add(time);
                        duplicated++;
                    }
                }
            }
            // Swap a segment with the next segment of the same flow, now and then.
            int reordered = 0;
            for (int i = 0; i < frames.size(); i++)
            {
                final UnsafeBuffer a = new UnsafeBuffer(frames.get(i));
                if (!isDataOnly(a) || random.nextInt(2) != 0)
                {
                    continue;
                }
                final String key = flow(a, 14 + (a.getByte(14) & 0x0f) * 4, false);
                for (int j = i + 1; j < Math.min(frames.size(), i + 40); j++)
                {
                    final UnsafeBuffer b = new UnsafeBuffer(frames.get(j));
                    if (isPlainTcp4(b) && flow(b, 14 + (b.getByte(14) & 0x0f) * 4, false).equals(key))
                    {
                        if (!isDataOnly(b))
                        {
                            break; // never across a SYN, FIN or RST: tshark gives up on gaps at a FIN
                        }
                        final byte[] t = frames.get(i);
                        frames.set(i, frames.get(j));
                        frames.set(j, t);
                        reordered++;
                        break;
                    }
                }
            }
            try (PcapFileWriter writer = new PcapFileWriter(out, 1))
            {
                for (int i = 0; i < frames.size(); i++)
                {
                    writer.write(new UnsafeBuffer(frames.get(i)), 0, frames.get(i).length, times.get(i));
                }
            }
            final int wrapped = (int)shift.values().stream().filter(d -> d != 0).count();
            return new Counts(split, duplicated, reordered, wrapped);
        }

        private static boolean isPlainTcp4(final UnsafeBuffer b)
        {
            return b.capacity() > 54 && (b.getShort(12, ByteOrder.BIG_ENDIAN) & 0xffff) == 0x0800
                && (b.getByte(14) & 0xf0) == 0x40 && b.getByte(23) == 6
                && (b.getShort(20, ByteOrder.BIG_ENDIAN) & 0x3fff) == 0;
        }

        /** A segment with payload and none of SYN, FIN, RST. */
        private static boolean isDataOnly(final UnsafeBuffer b)
        {
            if (!isPlainTcp4(b))
            {
                return false;
            }
            final int tcp = 14 + (b.getByte(14) & 0x0f) * 4;
            final int payload = (b.getShort(16, ByteOrder.BIG_ENDIAN) & 0xffff) + 14 - tcp - ((b.getByte(tcp + 12) & 0xff) >> 4) * 4;
            return payload > 0 && (b.getByte(tcp + 13) & 0x07) == 0;
        }

        private static String flow(final UnsafeBuffer b, final int tcp, final boolean reverse)
        {
            final long src = b.getInt(26) & 0xffffffffL;
            final long dst = b.getInt(30) & 0xffffffffL;
            final int sport = b.getShort(tcp, ByteOrder.BIG_ENDIAN) & 0xffff;
            final int dport = b.getShort(tcp + 2, ByteOrder.BIG_ENDIAN) & 0xffff;
            return reverse ? dst + ":" + dport + ">" + src + ":" + sport : src + ":" + sport + ">" + dst + ":" + dport;
        }

        /** Moves a quarter of the flows' sequence spaces (and their peers' acks) to start 3000 below 2^32. */
        private static void shiftSequences(
            final UnsafeBuffer b, final int tcp, final String forward, final String backward, final Map<String, Integer> shift,
            final Random random)
        {
            final int seq = b.getInt(tcp + 4, ByteOrder.BIG_ENDIAN);
            Integer delta = shift.get(forward);
            if (delta == null)
            {
                delta = random.nextInt(4) == 0 ? -3000 - seq : 0;
                shift.put(forward, delta);
            }
            b.putInt(tcp + 4, seq + delta, ByteOrder.BIG_ENDIAN);
            final Integer peer = shift.get(backward);
            if (peer != null && (b.getByte(tcp + 13) & 0x10) != 0)
            {
                b.putInt(tcp + 8, b.getInt(tcp + 8, ByteOrder.BIG_ENDIAN) + peer, ByteOrder.BIG_ENDIAN);
            }
        }

        /** A copy of the segment holding payload bytes {@code [from, from + length)}. */
        private static byte[] piece(
            final byte[] frame, final int tcp, final int payload, final int from, final int length, final int total)
        {
            final byte[] out = new byte[payload + length];
            System.arraycopy(frame, 0, out, 0, payload);
            System.arraycopy(frame, payload + from, out, payload, length);
            final UnsafeBuffer b = new UnsafeBuffer(out);
            b.putShort(16, (short)(out.length - 14), ByteOrder.BIG_ENDIAN);
            b.putInt(tcp + 4, b.getInt(tcp + 4, ByteOrder.BIG_ENDIAN) + from, ByteOrder.BIG_ENDIAN);
            if (from + length < total)
            {
                b.putByte(tcp + 13, (byte)(b.getByte(tcp + 13) & ~0x01)); // only the last piece keeps FIN
            }
            b.putShort(24, (short)0);
            int sum = 0;
            for (int i = 14; i < 14 + (b.getByte(14) & 0x0f) * 4; i += 2)
            {
                sum += b.getShort(i, ByteOrder.BIG_ENDIAN) & 0xffff;
            }
            sum = (sum & 0xffff) + (sum >>> 16);
            sum = (sum & 0xffff) + (sum >>> 16);
            b.putShort(24, (short)~sum, ByteOrder.BIG_ENDIAN);
            return out;
        }
    }
}
