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

    /**
     * Lossy: a producer that never waits laps a 1 MiB buffer about 50 times while the reader
     * holds gathered replies for up to 2 ms before "writing them out". Every element the reader
     * gets must be one whole frame, in order, and read plus dropped must be every frame; the
     * producer must have stepped over pinned ranges rather than written into them.
     */
    @Test
    void lossyGatheredRepliesAreNeverTornWhileTheProducerStepsOverThem() throws Exception
    {
        final int frames = 400_000;
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSY);
        final IndexBuffer index = data.newIndexBuffer(4096, BufferPolicy.LOSSY);
        final IndexReader reader = index.newReader();
        final CompletableFuture<Void> producer = CompletableFuture.runAsync(() ->
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
            for (int i = 0; i < frames; i++)
            {
                final int length = selfDescribingFrame(frame, i);
                final long position = data.append(frame, 0, length, length, i, 1);
                index.append(position, data.sequence(position), 0, length, 0);
            }
            index.end();
        });

        final GatherList list = new GatherList(1 << 16);
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[1 << 16]);
        final SplittableRandom random = new SplittableRandom(11);
        final int[] last = {-1};
        long read = 0;
        long gathered = 0;
        while (!reader.isEnded())
        {
            list.reset();
            final int n = reader.gather(list, 1 << 16);
            if (n == IndexReader.NOT_GATHERED)
            {
                final int copied = reader.read(copy, 0, copy.capacity(), ElementFormat.VIEW);
                read += checkFrames(copy, copied, last);
                continue;
            }
            if (n == 0)
            {
                reader.await(1_000_000);
                continue;
            }
            if (random.nextInt(8) == 0)
            {
                TimeUnit.MICROSECONDS.sleep(random.nextInt(2_000)); // the kernel is slow to copy
            }
            final UnsafeBuffer reply = new UnsafeBuffer(new byte[n]);
            int at = 0;
            for (int s = 0; s < list.count(); s++)
            {
                reply.putBytes(at, new UnsafeBuffer(list.base(s), list.length(s)), 0, list.length(s));
                at += list.length(s);
            }
            read += checkFrames(reply, n, last);
            gathered++;
            reader.advanceGathered();
        }
        producer.get(60, TimeUnit.SECONDS);

        assertThat(read + reader.dropped()).as("elements read plus dropped").isEqualTo(frames);
        assertThat(gathered).as("replies gathered").isGreaterThan(100);
        assertThat(data.steppedOver()).as("times the producer stepped over a pinned range").isGreaterThan(0);
    }

    /** Frame i: its number, its length, then bytes that depend on both. */
    private static int selfDescribingFrame(final UnsafeBuffer frame, final int i)
    {
        final int length = new SplittableRandom(i).nextInt(64, 1600);
        frame.putInt(0, i);
        frame.putInt(4, length);
        for (int k = 8; k < length; k++)
        {
            frame.putByte(k, frameByte(i, k));
        }
        return length;
    }

    /** Checks that {@code bytes} are whole frames in increasing order; returns how many. */
    private static int checkFrames(final UnsafeBuffer bytes, final int length, final int[] last)
    {
        int count = 0;
        int at = 0;
        while (at < length)
        {
            final int i = bytes.getInt(at);
            final int frameLength = bytes.getInt(at + 4);
            assertThat(i).as("frame number after %d", last[0]).isGreaterThan(last[0]);
            assertThat(frameLength).as("length of frame %d", i).isEqualTo(new SplittableRandom(i).nextInt(64, 1600));
            for (int k = 8; k < frameLength; k++)
            {
                if (bytes.getByte(at + k) != frameByte(i, k))
                {
                    throw new AssertionError("frame " + i + " torn at byte " + k);
                }
            }
            last[0] = i;
            at += frameLength;
            count++;
        }
        assertThat(at).isEqualTo(length);
        return count;
    }
}
