package org.pipesfs.buffers;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One producer, eight reader threads, five million elements of random sizes from 1 B to
 * 9000 B (uniform, fixed seed). Every element's bytes are a slice of one random source block
 * chosen by its sequence number, so a reader checks each element it receives byte for byte
 * and knows exactly which ones it missed.
 */
class BeltwayStressTest
{
    static final int ELEMENTS = 5_000_000;
    static final int MAX_SIZE = 9000;
    static final long SEED = 0x5eed_2026L;
    static final int SOURCE_BLOCK = 1 << 16;
    static final int READERS = 8;
    static final long TIMEOUT_NS = 50_000_000_000L;
    /** Elements between window changes in the lossless scenario: about 1 GB, many laps each. */
    static final int WINDOW_TURN = 250_000;

    /** Sizes and source offsets of every element, derived from the seed alone. */
    static final class Plan
    {
        final int[] sizes = new int[ELEMENTS];
        final int[] offsets = new int[ELEMENTS];
        final byte[] source = new byte[SOURCE_BLOCK];

        Plan()
        {
            final SplittableRandom random = new SplittableRandom(SEED);
            random.nextBytes(source);
            for (int i = 0; i < ELEMENTS; i++)
            {
                sizes[i] = 1 + random.nextInt(MAX_SIZE);
                offsets[i] = random.nextInt(SOURCE_BLOCK - MAX_SIZE);
            }
        }
    }

    static final Plan PLAN = new Plan();

    /** A reader thread that verifies every element and records gaps. */
    static final class Checker implements Runnable
    {
        final IndexReader reader;
        final long pauseEveryElements;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1 << 17]);
        final ElementFormat format;
        volatile String failure;
        /** Set once the thread stops reading, for whatever reason: the producer stops pacing on it. */
        volatile boolean finished;
        long received;
        long gaps;
        long lastSequence = -1;

        Checker(final IndexReader reader, final long pauseEveryElements)
        {
            this(reader, pauseEveryElements, new SequencedFormat());
        }

        /** With {@link ElementFormat#VIEW}, the producer must write each sequence into its frame. */
        Checker(final IndexReader reader, final long pauseEveryElements, final ElementFormat format)
        {
            this.reader = reader;
            this.pauseEveryElements = pauseEveryElements;
            this.format = format;
        }

        public void run()
        {
            final byte[] bytes = buffer.byteArray();
            final long deadline = System.nanoTime() + TIMEOUT_NS;
            try
            {
                while (!reader.isEnded() && System.nanoTime() < deadline)
                {
                    final int n = reader.read(buffer, 0, buffer.capacity(), format);
                    if (n == 0)
                    {
                        reader.await(10_000_000L);
                        continue;
                    }
                    int at = 0;
                    while (at < n)
                    {
                        final long sequence = buffer.getLong(at);
                        final int i = (int)sequence;
                        if (sequence <= lastSequence || sequence >= ELEMENTS)
                        {
                            failure = "sequence " + sequence + " after " + lastSequence;
                            return;
                        }
                        gaps += sequence - lastSequence - 1;
                        lastSequence = sequence;
                        final int size = PLAN.sizes[i];
                        final int start = at + SequencedFormat.PREFIX;
                        if (start + size > n || Arrays.mismatch(
                            bytes, start, start + size, PLAN.source, PLAN.offsets[i], PLAN.offsets[i] + size) != -1)
                        {
                            failure = "element " + sequence + " corrupted";
                            return;
                        }
                        at = start + size;
                        received++;
                        if (pauseEveryElements > 0 && received % pauseEveryElements == 0)
                        {
                            Thread.sleep(1);
                        }
                    }
                }
                if (!reader.isEnded())
                {
                    failure = "timed out after " + received + " elements";
                }
                gaps += ELEMENTS - 1 - lastSequence;
            }
            catch (final Throwable t)
            {
                failure = t.toString();
            }
            finally
            {
                reader.close();
                finished = true;
            }
        }
    }

    /** Produces the plan; under lossy, it is paced by {@code pacer} so fast readers keep up. */
    private static void produce(
        final DataBuffer data, final IndexBuffer index, final List<Checker> pacer, final long maxAheadBytes)
    {
        produce(data, index, pacer, maxAheadBytes, false, 0);
    }

    /**
     * @param sequenceInFrame each frame starts with its 8-byte sequence, as {@link SequencedFormat}
     *        renders it, so that raw views read the same bytes.
     * @param window if not 0, the producer alternates every {@link #WINDOW_TURN} elements between
     *        cycling within this many bytes ({@link DataBuffer#cycleWithin}) and the whole ring,
     *        and checks that narrow records lie inside the window.
     */
    private static void produce(
        final DataBuffer data, final IndexBuffer index, final List<Checker> pacer, final long maxAheadBytes,
        final boolean sequenceInFrame, final int window)
    {
        boolean narrow = false;
        final UnsafeBuffer source = new UnsafeBuffer(PLAN.source);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[SequencedFormat.PREFIX + MAX_SIZE]);
        long bytesProduced = 0;
        for (int i = 0; i < ELEMENTS; i++)
        {
            if (window != 0 && i % WINDOW_TURN == 0)
            {
                narrow = !narrow;
                data.cycleWithin(narrow ? window : Integer.MAX_VALUE);
            }
            final int size = PLAN.sizes[i];
            final long position;
            final int length;
            if (sequenceInFrame)
            {
                frame.putLong(0, i);
                frame.putBytes(SequencedFormat.PREFIX, source, PLAN.offsets[i], size);
                length = SequencedFormat.PREFIX + size;
                position = data.append(frame, 0, length, length, i, 1);
            }
            else
            {
                length = size;
                position = data.append(source, PLAN.offsets[i], size, size, i, 1);
            }
            assertThat(position).isNotNegative();
            if (narrow && data.frameOffset(position) + length > window)
            {
                throw new AssertionError("record " + i + " ends at " + (data.frameOffset(position) + length) + ", past the window");
            }
            assertThat(index.append(position, data.sequence(position), 0, length, 0)).isTrue();
            bytesProduced += size;
            if (!pacer.isEmpty() && (i & 63) == 0)
            {
                while (true)
                {
                    long slowest = Long.MAX_VALUE;
                    for (final Checker checker : pacer)
                    {
                        if (!checker.finished)
                        {
                            slowest = Math.min(slowest, checker.reader.cursor());
                        }
                    }
                    if (slowest == Long.MAX_VALUE || (i - slowest) * (MAX_SIZE / 2) < maxAheadBytes)
                    {
                        break;
                    }
                    Thread.onSpinWait();
                }
            }
        }
        index.end();
        assertThat(bytesProduced).isPositive();
    }

    private static List<Thread> start(final List<Checker> checkers)
    {
        final List<Thread> threads = new ArrayList<>();
        for (final Checker checker : checkers)
        {
            final Thread thread = new Thread(checker, "checker");
            thread.start();
            threads.add(thread);
        }
        return threads;
    }

    /** The producer also narrows and widens the ring it cycles through, at every {@link #WINDOW_TURN}. */
    @Test
    void losslessEveryReaderReceivesEveryElementOnceInOrderWhileOthersComeAndGo() throws Exception
    {
        final DataBuffer data = new DataBuffer(32 << 20, BufferPolicy.LOSSLESS);
        final IndexBuffer index = data.newIndexBuffer(1 << 14, BufferPolicy.LOSSLESS);
        final List<Checker> checkers = new ArrayList<>();
        for (int r = 0; r < READERS; r++)
        {
            checkers.add(new Checker(index.newReader(), 0));
        }
        final List<Thread> threads = start(checkers);

        // Transient readers open and close at random throughout; they must never hold the producer.
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicLong transientOpens = new AtomicLong();
        final ConcurrentLinkedQueue<String> transientFailures = new ConcurrentLinkedQueue<>();
        final Thread churn = new Thread(() ->
        {
            final SplittableRandom random = new SplittableRandom(SEED + 1);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1 << 16]);
            final SequencedFormat format = new SequencedFormat();
            while (!done.get())
            {
                final IndexReader reader = index.newReader();
                transientOpens.incrementAndGet();
                long last = -1;
                for (int reads = random.nextInt(50); reads > 0; reads--)
                {
                    final int n = reader.read(buffer, 0, buffer.capacity(), format);
                    for (int at = 0; at < n; )
                    {
                        final long sequence = buffer.getLong(at);
                        if (last >= 0 && sequence != last + 1)
                        {
                            transientFailures.add("transient reader gap " + last + " -> " + sequence);
                        }
                        last = sequence;
                        at += SequencedFormat.PREFIX + PLAN.sizes[(int)sequence];
                    }
                    if (n == 0)
                    {
                        reader.await(1_000_000L);
                    }
                }
                reader.close();
            }
        }, "churn");
        churn.start();

        produce(data, index, List.of(), 0, false, (5 << 20) + 12_345);
        for (final Thread thread : threads)
        {
            thread.join();
        }
        done.set(true);
        churn.join();

        for (final Checker checker : checkers)
        {
            assertThat(checker.failure).isNull();
            assertThat(checker.received).isEqualTo(ELEMENTS);
            assertThat(checker.gaps).isZero();
            assertThat(checker.reader.dropped()).isZero();
        }
        assertThat(transientFailures).isEmpty();
        assertThat(transientOpens.get()).isGreaterThan(10);
        assertThat(index.readerCount()).as("every reader released").isZero();
        assertThat(index.elementsOut()).isEqualTo(ELEMENTS);
    }

    @Test
    void lossySlowReadersAreLappedWithExactLossCountsAndFastReadersLoseNothing() throws Exception
    {
        lossy(SequencedFormat::new, false);
    }

    /** The raw view, as {@code all} of a lossy mount is read: the same guarantees must hold. */
    @Test
    void lossyRawViewsAreNeverTornAndCountTheirLossesExactly() throws Exception
    {
        lossy(() -> ElementFormat.VIEW, true);
    }

    /** @param format one per reader: {@link SequencedFormat} keeps a scratch buffer. */
    private static void lossy(final Supplier<ElementFormat> format, final boolean sequenceInFrame) throws Exception
    {
        final DataBuffer data = new DataBuffer(32 << 20, BufferPolicy.LOSSY);
        final IndexBuffer index = data.newIndexBuffer(1 << 14, BufferPolicy.LOSSY);
        final List<Checker> fast = new ArrayList<>();
        final List<Checker> slow = new ArrayList<>();
        for (int r = 0; r < READERS; r++)
        {
            // Slow readers sleep 1 ms every 16 elements: far below the producer's rate.
            (r < 2 ? slow : fast).add(new Checker(index.newReader(), r < 2 ? 16 : 0, format.get()));
        }
        final List<Checker> all = new ArrayList<>(fast);
        all.addAll(slow);
        final List<Thread> threads = start(all);

        // Paced only by the fast readers, to half the data ring: a line-rate source they keep up with.
        produce(data, index, fast, data.capacity() / 2, sequenceInFrame, 0);
        for (final Thread thread : threads)
        {
            thread.join();
        }

        for (final Checker checker : fast)
        {
            assertThat(checker.failure).isNull();
            assertThat(checker.received).isEqualTo(ELEMENTS);
            assertThat(checker.reader.dropped()).isZero();
        }
        for (final Checker checker : slow)
        {
            assertThat(checker.failure).as("no torn or overwritten element").isNull();
            assertThat(checker.reader.dropped()).as("slow reader was lapped").isPositive();
            assertThat(checker.gaps).as("reported losses equal the gaps seen").isEqualTo(checker.reader.dropped());
            assertThat(checker.received + checker.reader.dropped()).isEqualTo(ELEMENTS);
        }
        assertThat(index.readerCount()).isZero();
        assertThat(index.dropped()).isEqualTo(slow.get(0).reader.dropped() + slow.get(1).reader.dropped());
    }
}
