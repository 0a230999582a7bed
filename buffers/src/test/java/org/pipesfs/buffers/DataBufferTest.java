package org.pipesfs.buffers;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shared data buffer on its own: records back to back with their headers out of line,
 * claim and commit, the lossless wait for readers, lossy overwriting, and the cache window.
 */
class DataBufferTest
{
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[DataBuffer.MAX_FRAME_LENGTH]);

    private long append(final DataBuffer data, final int length, final byte fill)
    {
        frame.setMemory(0, length, fill);
        return data.append(frame, 0, length, length + 10, 1_000L * fill, 1);
    }

    @Test
    void aRecordKeepsItsBytesAndHeaderAndRecordsLieBackToBack()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSY);
        final long first = append(data, 100, (byte)7);
        final long second = append(data, 54, (byte)8);
        final long third = append(data, 10, (byte)9);
        assertThat(second).as("no padding after a 100-byte frame").isEqualTo(first + 100);
        assertThat(third).as("a 54-byte frame still takes only its own bytes").isEqualTo(second + 54);
        assertThat(data.sequence(first)).isZero();
        assertThat(data.sequence(third)).isEqualTo(2);
        assertThat(data.nextSequence()).isEqualTo(3);
        assertThat(data.capturedLength(second)).isEqualTo(54);
        assertThat(data.originalLength(second)).isEqualTo(64);
        assertThat(data.timestampNs(second)).isEqualTo(8_000L);
        assertThat(data.linkType(second)).isEqualTo(1);
        for (int i = 0; i < 54; i++)
        {
            assertThat(data.buffer().getByte(data.frameOffset(second) + i)).isEqualTo((byte)8);
        }
        assertThat(append(data, 10, (byte)1) - third).as("a short frame takes at least 32 bytes")
            .isEqualTo(DataBuffer.MIN_RECORD_SPACE);
    }

    @Test
    void claimAndCommitMustAgree()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSY);
        assertThatThrownBy(() -> data.claim(DataBuffer.MAX_FRAME_LENGTH + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> data.claim(-1)).isInstanceOf(IllegalArgumentException.class);
        final long position = data.claim(100);
        assertThatThrownBy(() -> data.commit(position, 101, 101, 0, 1)).as("longer than claimed")
            .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> data.commit(position + 1, 10, 10, 0, 1)).as("not where claimed")
            .isInstanceOf(IllegalStateException.class);
        assertThat(data.commit(position, 60, 60, 0, 1)).isZero();
        assertThat(data.capturedLength(position)).isEqualTo(60);
        assertThatThrownBy(() -> data.commit(position, 60, 60, 0, 1)).as("committed twice")
            .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void lossyOverwritesTheOldestRecordsAndSaysWhichAreGone()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSY);
        final long first = append(data, 1000, (byte)1);
        assertThat(data.isIntact(first)).isTrue();
        long last = first;
        for (int i = 0; i < 3 * (1 << 20) / 1000; i++)
        {
            last = append(data, 1000, (byte)2);
        }
        assertThat(data.isIntact(first)).as("three laps later").isFalse();
        assertThat(data.isIntact(last)).isTrue();
    }

    @Test
    void losslessWaitsForTheSlowestReaderAndCloseEndsTheWait() throws Exception
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer index = data.newIndexBuffer(1 << 12, BufferPolicy.LOSSLESS);
        final IndexReader reader = index.newReader();
        int appended = 0;
        while (data.hasRoom(1000))
        {
            final long position = append(data, 1000, (byte)3);
            index.append(position, data.sequence(position), 0, 1000, 0);
            appended++;
        }
        assertThat(appended).as("about one buffer of frames before the reader must read").isBetween(1000, 1100);
        final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 16]);
        assertThat(reader.read(out, 0, 10_000, ElementFormat.VIEW)).isEqualTo(10_000);
        assertThat(data.hasRoom(1000)).as("ten frames read, room for more").isTrue();

        while (data.hasRoom(1000))
        {
            final long position = append(data, 1000, (byte)4);
            index.append(position, data.sequence(position), 0, 1000, 0);
        }
        final CompletableFuture<Long> blocked = CompletableFuture.supplyAsync(() -> data.claim(1000));
        Thread.sleep(100);
        assertThat(blocked).as("claim waits while the reader holds the space").isNotDone();
        data.close();
        assertThat(blocked.get(30, TimeUnit.SECONDS)).as("closing ends the wait").isEqualTo(-1L);
    }

    @Test
    void aCacheWindowKeepsRecordsInTheFirstBytesOfTheRing()
    {
        final DataBuffer data = new DataBuffer(4 << 20, BufferPolicy.LOSSLESS);
        data.cycleWithin(1 << 20);
        for (int i = 0; i < 5_000; i++)
        {
            final long position = append(data, 1500, (byte)5);
            assertThat(data.frameOffset(position) + 1500).isLessThanOrEqualTo(1 << 20);
        }
        data.cycleWithin(Integer.MAX_VALUE);
        long highest = 0;
        for (int i = 0; i < 5_000; i++)
        {
            highest = Math.max(highest, data.frameOffset(append(data, 1500, (byte)6)) + 1500);
        }
        assertThat(highest).as("widened again, the whole ring is used").isGreaterThan(3 << 20);
    }
}
