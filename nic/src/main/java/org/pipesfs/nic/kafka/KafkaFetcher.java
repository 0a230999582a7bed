package org.pipesfs.nic.kafka;

import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Kafka's consumer on a thread of its own. Kafka fetches and parses records inside
 * {@code poll}, and that costs about as much CPU per record as placing it in the graph; on the
 * source thread the two added up. Here the fetch thread polls up to {@link #AHEAD} polls ahead
 * of the graph, lays each one out flat ({@link FetchedPoll}) and hands it over; the source
 * thread hands each poll back with how far it got. Only offsets of records the graph finished
 * are ever committed: asynchronously as polls come back, synchronously before the group takes
 * a partition away (once every poll handed over has come back, so the next owner starts right
 * after the last record in this mount's graph) and at close, with the poll the graph was in
 * the middle of.
 *
 * <p>Thread rule: the consumer belongs to the thread that built it until the first {@link #next}, then
 * to the fetch thread alone. {@link #next}, {@link #finished} and {@link #close} are the source
 * thread's; {@link #lag} and {@link #problem} may be read from any thread.
 */
final class KafkaFetcher implements Runnable
{
    /** Polls fetched ahead of the graph: the next poll's records are ready when the graph wants them. */
    static final int AHEAD = 8;
    /** Polls in circulation: those ahead, the one the graph is in, and one coming back. */
    private static final int POLLS = AHEAD + 2;
    private static final Duration POLL = Duration.ofMillis(10);
    private static final long FULL_WAIT_NS = 50_000L;
    private static final long REVOKE_WAIT_NS = 1_000_000L;
    private static final long COMMIT_EVERY_NS = 100_000_000L;
    private static final long LAG_EVERY_NS = 1_000_000_000L;
    private static final long CLOSE_WAIT_MS = 10_000L;

    private final String spec;
    private final KafkaConsumer<ByteBuffer, ByteBuffer> consumer;
    private final boolean commits;
    private final OneToOneConcurrentArrayQueue<FetchedPoll> fetched = new OneToOneConcurrentArrayQueue<>(AHEAD);
    /** Holds every poll there is, so handing one back never fails. */
    private final OneToOneConcurrentArrayQueue<FetchedPoll> returned = new OneToOneConcurrentArrayQueue<>(POLLS);
    // fetch thread only
    private final ArrayDeque<FetchedPoll> free = new ArrayDeque<>(POLLS);
    private final FrameHeaders headers = new FrameHeaders();
    private final Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
    private boolean uncommitted;
    private long committedNs;
    private long lagCheckedNs;
    private int pollsOut;
    private long recordsOut;
    // written by the source thread
    private volatile boolean closing;
    // written by the fetch thread
    private volatile long lag = -1;
    private volatile RuntimeException failure;
    private volatile String problem;
    private Thread thread;

    /** {@code commits}: whether offsets are committed at all (only a group keeps them). */
    KafkaFetcher(final String spec, final KafkaConsumer<ByteBuffer, ByteBuffer> consumer, final boolean commits, final int maxRecords)
    {
        this.spec = spec;
        this.consumer = consumer;
        this.commits = commits;
        for (int i = 0; i < POLLS; i++)
        {
            free.add(new FetchedPoll(maxRecords));
        }
    }

    /** The listener to subscribe with: commits what the graph finished before a partition moves. */
    ConsumerRebalanceListener rebalanceListener()
    {
        return new CommitBeforeRevoke();
    }

    /**
     * The next poll's records, or null if none is ready yet.
     *
     * @throws IllegalStateException once the consumer has failed and every fetched poll is taken.
     */
    FetchedPoll next()
    {
        if (thread == null) // started by the first poll, so a paused mount fetches nothing
        {
            thread = new Thread(this, "pipesfs-kafka-fetch");
            thread.setDaemon(true);
            thread.start();
        }
        final FetchedPoll poll = fetched.poll();
        if (poll == null && failure != null)
        {
            throw new IllegalStateException(spec + ": " + failure.getMessage(), failure);
        }
        return poll;
    }

    /** Hands {@code poll} back; its records {@code [0, finished)} are in the graph or skipped. */
    void finished(final FetchedPoll poll)
    {
        if (!returned.offer(poll))
        {
            throw new IllegalStateException("more polls handed back than were handed out");
        }
    }

    /** Records the graph has yet to take: the broker's lag plus those fetched and not finished; -1 if unknown. */
    long lag()
    {
        return lag;
    }

    String problem()
    {
        return problem;
    }

    /**
     * Stops fetching, commits what the graph finished, including {@code inProgress} (the poll it
     * was in the middle of, or null), and closes the consumer.
     */
    void close(final FetchedPoll inProgress)
    {
        if (inProgress != null)
        {
            finished(inProgress);
        }
        closing = true;
        if (thread == null)
        {
            commitAndClose();
            return;
        }
        consumer.wakeup();
        try
        {
            thread.join(CLOSE_WAIT_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    public void run()
    {
        try
        {
            while (!closing)
            {
                takeReturned();
                final long now = System.nanoTime();
                if (uncommitted && now - committedNs > COMMIT_EVERY_NS)
                {
                    committedNs = now;
                    uncommitted = false;
                    consumer.commitAsync(new HashMap<>(toCommit), null); // a failure is made good by the next one
                }
                if (now - lagCheckedNs > LAG_EVERY_NS)
                {
                    lagCheckedNs = now;
                    refreshLag();
                }
                if (free.isEmpty() || fetched.size() >= AHEAD)
                {
                    LockSupport.parkNanos(FULL_WAIT_NS);
                    continue;
                }
                final ConsumerRecords<ByteBuffer, ByteBuffer> records = consumer.poll(POLL);
                if (!records.isEmpty())
                {
                    final FetchedPoll poll = free.poll();
                    poll.fill(records, headers);
                    pollsOut++;
                    recordsOut += poll.count;
                    fetched.offer(poll); // room: only this thread adds
                }
            }
        }
        catch (final WakeupException ex)
        {
            // close() woke a blocked poll or commit
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
        }
        finally
        {
            commitAndClose();
        }
    }

    private void commitAndClose()
    {
        takeReturned();
        try
        {
            commitSync();
        }
        catch (final RuntimeException ex)
        {
            System.err.println("pipesfs: " + spec + ": could not commit on close: " + ex.getMessage());
        }
        consumer.close(Duration.ofSeconds(2));
    }

    /** Takes back the polls the graph finished, with the offsets after their records. */
    private void takeReturned()
    {
        FetchedPoll poll;
        while ((poll = returned.poll()) != null)
        {
            if (commits && poll.finished > 0)
            {
                poll.finishedOffsetsTo(toCommit); // later polls' offsets replace earlier ones
                uncommitted = true;
            }
            pollsOut--;
            recordsOut -= poll.count;
            poll.clear();
            free.add(poll);
        }
    }

    private void commitSync()
    {
        if (toCommit.isEmpty())
        {
            return;
        }
        try
        {
            consumer.commitSync(toCommit);
            uncommitted = false;
        }
        catch (final RebalanceInProgressException ex)
        {
            // kept for the revocation that follows
        }
        catch (final CommitFailedException ex)
        {
            // the group already gave these partitions away: their next owner reads them again
            problem = spec + ": the group moved partitions before their offsets were committed; their last records may be read twice";
            toCommit.clear();
        }
    }

    private void refreshLag()
    {
        try
        {
            final Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment(), Duration.ofMillis(500));
            long total = 0;
            for (final Map.Entry<TopicPartition, Long> end : ends.entrySet())
            {
                total += Math.max(0, end.getValue() - consumer.position(end.getKey(), Duration.ofMillis(500)));
            }
            lag = total + recordsOut;
        }
        catch (final WakeupException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            lag = -1; // the broker is away: unknown, not zero
        }
    }

    /**
     * Runs inside {@code poll} on the fetch thread. Before partitions move it waits until every
     * poll handed over has come back, then commits, so the next owner starts right after the
     * last record in this mount's graph and reads nothing twice.
     */
    private final class CommitBeforeRevoke implements ConsumerRebalanceListener
    {
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
        {
            takeReturned();
            while (!closing && pollsOut > 0)
            {
                LockSupport.parkNanos(REVOKE_WAIT_NS);
                takeReturned();
            }
            commitSync();
        }

        public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
        {
            toCommit.keySet().retainAll(partitions); // a revocation that could not commit leaves them to the new owner
        }
    }
}
