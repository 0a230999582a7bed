package org.pipesfs.buffers;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class IndexReaderTest
{
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[DataBuffer.MAX_FRAME_LENGTH]);
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 16]);

    private long[] append(final DataBuffer data, final IndexBuffer index, final String text)
    {
        final int length = frame.putStringWithoutLengthAscii(0, text);
        final long position = data.append(frame, 0, length, length, 0, 1);
        final long sequence = data.sequence(position);
        index.append(position, sequence, 0, length, 0);
        return new long[] {position, sequence};
    }

    private String text(final int length)
    {
        return out.getStringWithoutLengthAscii(0, length);
    }

    @Test
    void readerSeesOnlyElementsAppendedAfterItOpened()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer index = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        append(data, index, "before");
        final IndexReader reader = index.newReader();
        assertThat(reader.read(out, 0, out.capacity(), ElementFormat.VIEW)).isZero();
        append(data, index, "one|");
        append(data, index, "two|");
        final int n = reader.read(out, 0, out.capacity(), ElementFormat.VIEW);
        assertThat(text(n)).isEqualTo("one|two|");
        assertThat(reader.read(out, 0, out.capacity(), ElementFormat.VIEW)).isZero();
    }

    @Test
    void readReturnsOnlyWholeElementsAndSplitsOneTooLargeForTheBuffer()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer index = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexReader reader = index.newReader();
        append(data, index, "aaaa");
        append(data, index, "bbbbbbbb");
        append(data, index, "cc");
        assertThat(reader.read(out, 0, 10, ElementFormat.VIEW)).isEqualTo(4);
        assertThat(text(4)).isEqualTo("aaaa");
        // "bbbbbbbb" is larger than a 3-byte buffer: split across reads, never merged with "cc".
        assertThat(reader.read(out, 0, 3, ElementFormat.VIEW)).isEqualTo(3);
        assertThat(text(3)).isEqualTo("bbb");
        assertThat(reader.read(out, 0, 3, ElementFormat.VIEW)).isEqualTo(3);
        assertThat(reader.read(out, 0, 100, ElementFormat.VIEW)).isEqualTo(2);
        assertThat(text(2)).isEqualTo("bb");
        assertThat(reader.read(out, 0, 100, ElementFormat.VIEW)).isEqualTo(2);
        assertThat(text(2)).isEqualTo("cc");
    }

    @Test
    void peekDoesNotConsume()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer index = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexReader reader = index.newReader();
        append(data, index, "x1");
        assertThat(reader.peek(out, 0, 100, ElementFormat.VIEW)).isEqualTo(2);
        assertThat(reader.peek(out, 0, 100, ElementFormat.VIEW)).isEqualTo(2);
        assertThat(reader.read(out, 0, 100, ElementFormat.VIEW)).isEqualTo(2);
        assertThat(reader.peek(out, 0, 100, ElementFormat.VIEW)).isZero();
    }

    @Test
    void viewsNarrowTheSameSlotWithoutCopying()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer whole = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexBuffer payload = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexReader wholeReader = whole.newReader();
        final IndexReader payloadReader = payload.newReader();
        final long[] record = append(data, whole, "HEADER|GET / HTTP/1.1");
        payload.append(record[0], record[1], 7, 14, 3);
        assertThat(text(wholeReader.read(out, 0, 100, ElementFormat.VIEW))).isEqualTo("HEADER|GET / HTTP/1.1");
        assertThat(text(payloadReader.read(out, 0, 100, ElementFormat.VIEW))).isEqualTo("GET / HTTP/1.1");
        assertThat(data.nextSequence()).as("one record in the shared buffer").isEqualTo(1);
    }

    @Test
    void endOfStreamIsSeenOnlyAfterDraining()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer index = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexReader reader = index.newReader();
        append(data, index, "last");
        index.end();
        assertThat(reader.isEnded()).isFalse();
        assertThat(reader.read(out, 0, 100, ElementFormat.VIEW)).isEqualTo(4);
        assertThat(reader.isEnded()).isTrue();
        assertThat(reader.await(1_000_000)).isTrue();
    }

    @Test
    void awaitWakesWhenAnElementArrives() throws Exception
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer index = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexReader reader = index.newReader();
        final CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> reader.await(10_000_000_000L));
        Thread.sleep(50);
        assertThat(woke).isNotDone();
        append(data, index, "wake");
        assertThat(woke.get(2, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void losslessProducerWaitsForTheSlowestReaderAndCloseReleasesIt() throws Exception
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer index = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexReader stalled = index.newReader();
        final CompletableFuture<Integer> producer = CompletableFuture.supplyAsync(() ->
        {
            int produced = 0;
            for (int i = 0; i < 1000; i++)
            {
                final long position = data.append(frame, 0, 100, 100, 0, 1);
                if (position < 0 || !index.append(position, data.sequence(position), 0, 100, 0))
                {
                    break;
                }
                produced++;
            }
            return produced;
        });
        Thread.sleep(200);
        assertThat(producer).as("a 64-entry ring holds the producer back").isNotDone();
        assertThat(stalled.backlog()).isEqualTo(64);
        stalled.close();
        assertThat(producer.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(index.readerCount()).isZero();
    }

    @Test
    void lossyReaderThatIsLappedCountsExactlyWhatItMissed()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSY);
        final IndexBuffer index = data.newIndexBuffer(64, BufferPolicy.LOSSY);
        final IndexReader reader = index.newReader();
        final SequencedFormat format = new SequencedFormat();
        for (int i = 0; i < 200; i++)
        {
            final long position = data.append(frame, 0, 10, 10, 0, 1);
            index.append(position, data.sequence(position), 0, 10, 0);
        }
        // Lapped at entry 0 with tail at 200: skips to live data, 200 lost.
        assertThat(reader.read(out, 0, out.capacity(), format)).isZero();
        assertThat(reader.dropped()).isEqualTo(200);
        final long position = data.append(frame, 0, 10, 10, 0, 1);
        index.append(position, data.sequence(position), 0, 10, 0);
        assertThat(reader.read(out, 0, out.capacity(), format)).isEqualTo(18);
        assertThat(out.getLong(0)).isEqualTo(200);
        assertThat(index.dropped()).isEqualTo(200);
    }

    @Test
    void lossyReaderSkipsRecordsOverwrittenInTheDataBuffer()
    {
        // Index ring big enough to survive, data ring laps: each overwritten record is one loss.
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSY);
        final IndexBuffer index = data.newIndexBuffer(1 << 12, BufferPolicy.LOSSY);
        final IndexReader reader = index.newReader();
        final SequencedFormat format = new SequencedFormat();
        final int frames = 1500;
        for (int i = 0; i < frames; i++)
        {
            final long position = data.append(frame, 0, 1000, 1000, 0, 1);
            index.append(position, data.sequence(position), 0, 1000, 0);
        }
        long received = 0;
        long lastSequence = -1;
        int n;
        while ((n = reader.read(out, 0, out.capacity(), format)) > 0)
        {
            for (int at = 0; at < n; at += SequencedFormat.PREFIX + 1000)
            {
                final long sequence = out.getLong(at);
                assertThat(sequence).isGreaterThan(lastSequence);
                lastSequence = sequence;
                received++;
            }
        }
        assertThat(received).isBetween(1L, (long)frames - 1);
        assertThat(received + reader.dropped()).isEqualTo(frames);
    }

    @Test
    void readersOnSeveralNodesShareOneRecord()
    {
        final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer a = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final IndexReader r1 = a.newReader();
        final IndexReader r2 = a.newReader();
        append(data, a, "shared");
        assertThat(text(r1.read(out, 0, 100, ElementFormat.VIEW))).isEqualTo("shared");
        assertThat(text(r2.read(out, 0, 100, ElementFormat.VIEW))).isEqualTo("shared");
        assertThat(a.readerCount()).isEqualTo(2);
        r1.close();
        r2.close();
        r2.close();
        assertThat(a.readerCount()).isZero();
        assertThat(a.bytesOut()).isEqualTo("shared".getBytes(StandardCharsets.US_ASCII).length);
    }
}
