package org.pipesfs.buffers;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link IndexReader#gather}: replies that point into the data buffer must carry exactly the
 * stream a copying reader gets, even when the producer laps a small buffer many times while the
 * gathered bytes wait to be written out.
 */
class GatherTest
{
    private static final int FRAMES = 60_000;

    /** Frame i: a length from the seed, every byte a function of (i, offset). */
    private static int frameLength(final int i)
    {
        return new SplittableRandom(i).nextInt(20, 1600);
    }

    private static byte frameByte(final int i, final int k)
    {
        return (byte)(i * 31 + k);
    }

    @Test
    void gatheredRepliesEqualTheStreamWhileTheProducerLapsTheBuffer() throws Exception
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer index = data.newIndexBuffer(1024, BufferPolicy.LOSSLESS);
        final IndexReader reader = index.newReader();
        final CompletableFuture<Void> producer = CompletableFuture.runAsync(() ->
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
            for (int i = 0; i < FRAMES; i++)
            {
                final int length = frameLength(i);
                for (int k = 0; k < length; k++)
                {
                    frame.putByte(k, frameByte(i, k));
                }
                final long position = data.append(frame, 0, length, length, i, 1);
                // every eighth frame shows all but their first 10 bytes, as a child node's view would
                final int offset = i % 8 != 7 ? 0 : Math.min(10, length);
                index.append(position, data.sequence(position), offset, length - offset, 0);
            }
            index.end();
        });

        final GatherList list = new GatherList(1 << 20);
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        final SplittableRandom random = new SplittableRandom(7);
        long directBytes = 0;
        while (!reader.isEnded())
        {
            list.reset();
            final int n = reader.gather(list, random.nextInt(1, 1 << 20));
            if (n == 0)
            {
                reader.await(1_000_000);
                continue;
            }
            assertThat(list.length()).isEqualTo(n);
            Thread.yield(); // the kernel copies later; the producer runs meanwhile
            for (int s = 0; s < list.count(); s++)
            {
                final byte[] bytes = new byte[list.length(s)];
                new UnsafeBuffer(list.base(s), bytes.length).getBytes(0, bytes);
                got.write(bytes);
            }
            directBytes += n - list.copied();
            reader.advanceGathered();
        }
        producer.get(30, TimeUnit.SECONDS);

        final ByteArrayOutputStream want = new ByteArrayOutputStream();
        for (int i = 0; i < FRAMES; i++)
        {
            final int length = frameLength(i);
            for (int k = i % 8 != 7 ? 0 : Math.min(10, length); k < length; k++)
            {
                want.write(frameByte(i, k));
            }
        }
        assertThat(got.size()).isEqualTo(want.size());
        assertThat(got.toByteArray()).isEqualTo(want.toByteArray());
        assertThat(directBytes).as("bytes pointed at rather than copied").isGreaterThan(0);
    }
}
