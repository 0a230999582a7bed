package org.pipesfs.buffers;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The written-elements companion: shared rings, separate lossless accounting. */
class CompanionBufferTest
{
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[DataBuffer.MAX_FRAME_LENGTH]);
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 16]);

    private static void append(final DataBuffer data, final IndexBuffer index, final UnsafeBuffer frame, final String text)
    {
        final int length = frame.putStringWithoutLengthAscii(0, text);
        final long position = data.append(frame, 0, length, length, 0, 147);
        index.append(data.id(), position, data.sequence(position), 0, length, 0);
    }

    @Test
    void oneRingInterleavesEntriesOfBothBuffersInAppendOrder()
    {
        final DataBuffer source = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final DataBuffer written = source.companion(1 << 20);
        final IndexBuffer ring = source.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexReader reader = ring.newReader();
        append(source, ring, frame, "s1|");
        append(written, ring, frame, "w1|");
        append(source, ring, frame, "s2|");
        append(written, ring, frame, "w2|");
        final int n = reader.read(out, 0, out.capacity(), ElementFormat.VIEW);
        assertThat(out.getStringWithoutLengthAscii(0, n)).isEqualTo("s1|w1|s2|w2|");
        assertThat(written.id()).isEqualTo(DataBuffer.WRITTEN);
        assertThat(written.sequence(0)).as("written sequences never equal source ones").isGreaterThan(1L << 61);
    }

    @Test
    void aStalledReaderOfSourceEntriesDoesNotHoldBackTheWrittenBuffer()
    {
        final DataBuffer source = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final DataBuffer written = source.companion(1 << 20);
        final IndexBuffer upstream = source.newIndexBuffer(1 << 14, BufferPolicy.LOSSLESS);
        final IndexBuffer downstream = source.newIndexBuffer(1 << 14, BufferPolicy.LOSSLESS);
        final IndexReader stalled = upstream.newReader();
        final IndexReader consumer = downstream.newReader();
        final String element = "x".repeat(1000);
        // Fill the source buffer with entries the stalled reader never reads.
        while (source.hasRoom(element.length()))
        {
            append(source, upstream, frame, element);
        }
        assertThat(source.hasRoom(element.length())).isFalse();
        // Written elements keep flowing, eight buffers' worth, as long as their own reader reads.
        long delivered = 0;
        for (int i = 0; i < 8 * 1024; i++)
        {
            assertThat(written.hasRoom(element.length())).as("written element %d has room", i).isTrue();
            append(written, downstream, frame, element);
            delivered += consumer.read(out, 0, out.capacity(), ElementFormat.VIEW);
        }
        assertThat(delivered).isEqualTo(8L * 1024 * element.length());
        assertThat(stalled.backlog()).isGreaterThan(0);
        // Once the written buffer's reader stops reading, the written buffer fills in turn.
        while (written.hasRoom(element.length()))
        {
            append(written, downstream, frame, element);
        }
        assertThat(consumer.backlog()).isGreaterThan(500);
        consumer.close();
        assertThat(written.hasRoom(element.length())).as("closing the reader frees the space").isTrue();
        assertThat(source.hasRoom(element.length())).isFalse();
        stalled.close();
        assertThat(source.hasRoom(element.length())).isTrue();
    }

    @Test
    void ringRoomReportsTheFullestRingAndClaimWaitsRunTheIdleAction()
    {
        final DataBuffer source = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer ring = source.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexReader reader = ring.newReader();
        assertThat(source.beltway().ringRoom()).isEqualTo(64);
        for (int i = 0; i < 60; i++)
        {
            append(source, ring, frame, "e");
        }
        assertThat(source.beltway().ringRoom()).isEqualTo(4);
        for (int i = 0; i < 4; i++)
        {
            append(source, ring, frame, "e");
        }
        assertThat(source.beltway().ringRoom()).isZero();
        reader.read(out, 0, 2, ElementFormat.VIEW);
        assertThat(source.beltway().ringRoom()).as("room rechecks the readers once it runs out").isEqualTo(2);
        reader.close();

        final IndexBuffer wide = source.newIndexBuffer(1 << 10, BufferPolicy.LOSSLESS);
        final IndexReader slow = wide.newReader();
        final int[] idleRuns = {0};
        source.whileWaiting(() ->
        {
            if (++idleRuns[0] == 3)
            {
                slow.close();
            }
        });
        final String big = "y".repeat(60_000);
        while (source.hasRoom(big.length()))
        {
            append(source, wide, frame, big);
        }
        append(source, wide, frame, big); // waits: the idle action runs until the reader is gone
        assertThat(idleRuns[0]).isGreaterThanOrEqualTo(3);
    }
}
