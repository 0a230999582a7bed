package org.pipesfs.buffers;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SpliceTest
{
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 20]);
    private final SequencedFormat format = new SequencedFormat();

    private List<Long> drain(final IndexReader reader)
    {
        final List<Long> sequences = new ArrayList<>();
        int n;
        while ((n = reader.read(out, 0, out.capacity(), format)) > 0)
        {
            for (int at = 0; at < n; )
            {
                sequences.add(out.getLong(at));
                at += SequencedFormat.PREFIX + 100;
            }
        }
        return sequences;
    }

    @Test
    void nodeFedByTwoSourcesSeesTheUnionOnceInEachSourcesOrderAndUnspliceRemovesAnInput()
    {
        final DataBuffer data = new DataBuffer(8 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer port80 = data.newIndexBuffer(1 << 14, BufferPolicy.LOSSLESS);
        final IndexBuffer port443 = data.newIndexBuffer(1 << 14, BufferPolicy.LOSSLESS);
        final IndexBuffer web = data.newIndexBuffer(1 << 14, BufferPolicy.LOSSLESS);
        port80.splice(web);
        port443.splice(web);
        final IndexReader reader80 = port80.newReader();
        final IndexReader reader443 = port443.newReader();
        final IndexReader webReader = web.newReader();

        final SplittableRandom random = new SplittableRandom(7);
        final List<Long> expected80 = new ArrayList<>();
        final List<Long> expected443 = new ArrayList<>();
        final List<Long> expectedUnion = new ArrayList<>();
        for (int i = 0; i < 5000; i++)
        {
            final long position = data.append(frame, 0, 100, 100, i, 1);
            final long sequence = data.sequence(position);
            final int route = random.nextInt(4); // 0: neither, 1: 80, 2: 443, 3: both
            if ((route & 1) != 0)
            {
                port80.append(position, sequence, 0, 100, 0);
                expected80.add(sequence);
            }
            if ((route & 2) != 0)
            {
                port443.append(position, sequence, 0, 100, 0);
                expected443.add(sequence);
            }
            if (route != 0)
            {
                expectedUnion.add(sequence);
            }
        }
        assertThat(drain(reader80)).isEqualTo(expected80);
        assertThat(drain(reader443)).isEqualTo(expected443);
        final List<Long> union = drain(webReader);
        assertThat(union).isEqualTo(expectedUnion);
        assertThat(data.nextSequence()).as("splicing moved no bytes").isEqualTo(5000);

        assertThat(port443.unsplice(web)).isTrue();
        final long position = data.append(frame, 0, 100, 100, 0, 1);
        port443.append(position, data.sequence(position), 0, 100, 0);
        assertThat(drain(webReader)).as("unlinked input no longer feeds the node").isEmpty();
        assertThat(drain(reader443)).containsExactly(data.sequence(position));
    }

    @Test
    void spliceUnderConcurrentReadingKeepsEveryElementExactlyOnce() throws Exception
    {
        final DataBuffer data = new DataBuffer(4 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer a = data.newIndexBuffer(1 << 10, BufferPolicy.LOSSLESS);
        final IndexBuffer b = data.newIndexBuffer(1 << 10, BufferPolicy.LOSSLESS);
        final IndexBuffer target = data.newIndexBuffer(1 << 10, BufferPolicy.LOSSLESS);
        a.splice(target);
        b.splice(target);
        final IndexReader reader = target.newReader();
        final int elements = 500_000;
        final long[] seen = new long[1];
        final String[] failure = new String[1];
        final Thread consumer = new Thread(() ->
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1 << 16]);
            long last = -1;
            while (!reader.isEnded())
            {
                final int n = reader.read(buffer, 0, buffer.capacity(), format);
                for (int at = 0; at < n; at += SequencedFormat.PREFIX + 64)
                {
                    final long sequence = buffer.getLong(at);
                    if (sequence != last + 1)
                    {
                        failure[0] = "expected " + (last + 1) + " got " + sequence;
                    }
                    last = sequence;
                    seen[0]++;
                }
                if (n == 0)
                {
                    reader.await(5_000_000L);
                }
            }
        });
        consumer.start();
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < elements; i++)
        {
            final long position = data.append(frame, 0, 64, 64, i, 1);
            final long sequence = data.sequence(position);
            final int route = 1 + random.nextInt(3);
            if ((route & 1) != 0)
            {
                a.append(position, sequence, 0, 64, 0);
            }
            if ((route & 2) != 0)
            {
                b.append(position, sequence, 0, 64, 0);
            }
        }
        target.end();
        consumer.join(30_000);
        assertThat(failure[0]).isNull();
        assertThat(seen[0]).isEqualTo(elements);
    }
}
