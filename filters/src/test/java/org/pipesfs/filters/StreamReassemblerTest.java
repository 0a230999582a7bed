package org.pipesfs.filters;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexReader;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code stream}'s rules on hand-made segments: first copy wins, and state stays bounded. */
class StreamReassemblerTest
{
    private DataBuffer data;
    private NodeGraph graph;
    private Node stream;
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 20]);

    private void graph(final int bufferBytes)
    {
        data = new DataBuffer(bufferBytes, BufferPolicy.LOSSLESS);
        graph = new NodeGraph(data, BufferPolicy.LOSSLESS, 1 << 12);
        stream = graph.create(graph.create(graph.root(), "tcp"), "stream");
    }

    private void send(final int source, final int sourcePort, final int seq, final int flags, final String payload)
    {
        final byte[] bytes = payload.getBytes(StandardCharsets.ISO_8859_1);
        final ByteBuffer b = ByteBuffer.allocate(54 + bytes.length).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0});
        b.put((byte)0x45).put((byte)0).putShort((short)(40 + bytes.length)).putShort((short)1).putShort((short)0x4000)
            .put((byte)64).put((byte)6).putShort((short)0).putInt(source).putInt(0x0a000002);
        b.putShort((short)sourcePort).putShort((short)80).putInt(seq).putInt(1).put((byte)0x50).put((byte)flags)
            .putShort((short)65535).putInt(0);
        b.put(bytes);
        final long position = data.append(new UnsafeBuffer(b.array()), 0, b.capacity(), b.capacity(), 0, 1);
        graph.onFrame(position, data.sequence(position), b.capacity());
    }

    private String read(final IndexReader reader)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int n;
        while ((n = reader.read(out, 0, out.capacity(), ElementFormat.VIEW)) > 0)
        {
            bytes.write(out.byteArray(), 0, n);
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void theFirstCopyOfEachByteWinsWhateverOrderAndOverlap()
    {
        graph(1 << 20);
        final IndexReader flow = graph.child(stream, "10.0.0.1.1234-10.0.0.2.80").openReader();
        final IndexReader all = stream.openReader();
        final int isn = -5; // the data crosses the 2^32 wrap
        send(0x0a000001, 1234, isn, 0x02, "");
        send(0x0a000001, 1234, isn + 11, 0x18, "xxxxxxxxxx");    // bytes 10..20, early
        send(0x0a000001, 1234, isn + 16, 0x18, "yyyyyyyyyy");    // 15..25: only 20..25 is new
        send(0x0a000001, 1234, isn + 13, 0x18, "QQQ");           // 12..15: held by x already
        assertThat(read(flow)).as("nothing before the gap fills").isEmpty();
        send(0x0a000001, 1234, isn + 1, 0x18, "zzzzzzzzzzzz");   // 0..12 fills the gap, overlaps x
        send(0x0a000001, 1234, isn + 1, 0x18, "WWWWW");          // a late copy of delivered bytes
        send(0x0a000001, 1234, isn + 26, 0x19, "!");             // 25, with FIN
        assertThat(read(flow)).isEqualTo("zzzzzzzzzzxxxxxxxxxxyyyyy!");
        assertThat(read(all)).isEqualTo("zzzzzzzzzzxxxxxxxxxxyyyyy!");
        final StreamReassembler reassembler = (StreamReassembler)stream.filter();
        assertThat(reassembler.duplicateBytes()).isEqualTo(5 + 3 + 2 + 5);
        assertThat(reassembler.flows()).as("FIN delivered: the flow is gone").isZero();
        assertThat(reassembler.holds()).isFalse();
    }

    @Test
    void stalledFlowsStayBoundedAndNeverStopALosslessProducer()
    {
        graph(1 << 20); // 1 MiB: held segments would pin it many times over
        final IndexReader all = stream.openReader();
        final StreamReassembler reassembler = (StreamReassembler)stream.filter();
        long delivered = 0;
        final String chunk = "d".repeat(500);
        for (int i = 0; i < 200_000; i++)
        {
            final int source = 0x0b000000 + (i % 100_000);
            final int port = 1024 + i / 100_000;
            // every flow leaves a gap of 100 bytes that never fills, then sends on
            send(source, port, 1000, 0x02, "");
            send(source, port, 1101, 0x18, chunk);
            if ((i & 255) == 0)
            {
                delivered += read(all).length();
                assertThat(reassembler.flows()).isLessThanOrEqualTo(StreamReassembler.MAX_FLOWS / 2);
            }
        }
        graph.endSource();
        delivered += read(all).length();
        assertThat(reassembler.holds()).isFalse();
        assertThat(delivered).as("every held byte delivered in the end, after its gap").isEqualTo(200_000L * 500);
        assertThat(reassembler.gapBytes()).isEqualTo(200_000L * 100);
    }
}
