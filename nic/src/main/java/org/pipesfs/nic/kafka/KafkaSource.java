package org.pipesfs.nic.kafka;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.Ingest;
import org.pipesfs.nic.pcap.PcapFormat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code kafka:TOPIC[:group=NAME][:from=earliest|latest]}: the root fed by a topic's records
 * ({@link KafkaFrameRecord}), each with its own capture time and link type, so every node
 * works on a remote capture as on a local one. Without a group the mount reads every
 * partition; with one, Kafka's group protocol shares the partitions among the mounts that
 * name it. Offsets are committed only once a poll's records are all in the graph, so a
 * restarted mount resumes after the last element it finished. A record that is not a frame
 * (no value, or longer than a slot) is skipped and counted in {@link #problem}.
 *
 * <p>Thread rule: the producer thread only (Kafka's consumer is single-threaded), except
 * {@link #lag}, a value that thread refreshes about once a second.
 */
public final class KafkaSource implements FrameSource
{
    public static final String PREFIX = "kafka";
    /** Records one poll brings at most: what a killed mount may have in its graph but not committed. */
    public static final int MAX_POLL_RECORDS = 4096;
    private static final Duration POLL = Duration.ofMillis(10);
    private static final long LAG_EVERY_NS = 1_000_000_000L;
    /**
     * How long the group waits for a mount that stopped answering (killed, or cut off) before
     * its partitions move to the others or to its restart: Kafka's 45 s default is long for a
     * mount, 6 s is the broker's least.
     */
    public static final int SESSION_TIMEOUT_MS = 10_000;

    private final String spec;
    private final String topic;
    private final KafkaConsumer<ByteBuffer, ByteBuffer> consumer;
    private final Ingest.Copied record = new Ingest.Copied();
    private final FrameHeaders headers = new FrameHeaders();
    private final Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
    private final boolean commits;
    private Iterator<ConsumerRecord<ByteBuffer, ByteBuffer>> pending;
    private ConsumerRecord<ByteBuffer, ByteBuffer> lastFinished;
    private long skipped;
    private volatile long lag = -1;
    private long lagCheckedNs;
    private volatile int linkType = PcapFormat.LINKTYPE_ETHERNET;
    private volatile String problem;

    /**
     * Connects and checks that the topic exists.
     *
     * @throws IllegalArgumentException with a one-line reason: bad spec, no cluster given, the
     *         cluster unreachable, or no such topic.
     */
    public KafkaSource(final String spec, final String bootstrap)
    {
        this.spec = spec;
        final String[] parts = spec.split(":");
        if (parts.length < 2 || !parts[0].equals(PREFIX) || parts[1].isEmpty())
        {
            throw new IllegalArgumentException("expected kafka:TOPIC[:group=NAME][:from=earliest|latest], not '" + spec + "'");
        }
        if (bootstrap == null || bootstrap.isEmpty())
        {
            throw new IllegalArgumentException(spec + ": name the cluster with --kafka HOST:PORT");
        }
        topic = parts[1];
        String group = null;
        String from = "earliest";
        for (int i = 2; i < parts.length; i++)
        {
            if (parts[i].startsWith("group=") && parts[i].length() > 6)
            {
                group = parts[i].substring(6);
            }
            else if (parts[i].equals("from=earliest") || parts[i].equals("from=latest"))
            {
                from = parts[i].substring(5);
            }
            else
            {
                throw new IllegalArgumentException(spec + ": unknown option '" + parts[i] + "' (group=NAME, from=earliest|latest)");
            }
        }
        final Properties config = new Properties();
        config.put("bootstrap.servers", bootstrap);
        // the record's own bytes, not a copy: the frame is copied once, into its slot
        config.put("key.deserializer", ByteBufferDeserializer.class.getName());
        config.put("value.deserializer", ByteBufferDeserializer.class.getName());
        config.put("enable.auto.commit", "false");
        config.put("auto.offset.reset", from);
        config.put("client.id", "pipesfs-" + topic);
        config.put("max.poll.records", Integer.toString(MAX_POLL_RECORDS));
        // The classic consumer reads its socket only inside poll(): with 2 MiB (what Kafka's
        // ConsumerPerformance sets) the kernel can take in the next fetch while a poll's records
        // are placed.
        config.put("receive.buffer.bytes", Integer.toString(2 << 20));
        config.put("default.api.timeout.ms", "10000");
        config.put("allow.auto.create.topics", "false"); // a typo must not make a topic
        config.put("isolation.level", "read_committed"); // an aborted export transaction is sent again
        config.put("session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS));
        config.put("heartbeat.interval.ms", Integer.toString(SESSION_TIMEOUT_MS / 3));
        if (group != null)
        {
            config.put("group.id", group);
        }
        commits = group != null; // offsets are kept per group; a mount without one starts from 'from' each time
        consumer = new KafkaConsumer<>(config);
        try
        {
            final List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (partitions == null || partitions.isEmpty())
            {
                throw new IllegalArgumentException(spec + ": no topic '" + topic + "' on " + bootstrap);
            }
            if (group != null)
            {
                consumer.subscribe(List.of(topic), new CommitBeforeRevoke());
            }
            else
            {
                final List<TopicPartition> all = new ArrayList<>();
                for (final PartitionInfo partition : partitions)
                {
                    all.add(new TopicPartition(topic, partition.partition()));
                }
                consumer.assign(all);
            }
        }
        catch (final org.apache.kafka.common.errors.TimeoutException ex)
        {
            consumer.close(Duration.ZERO);
            throw new IllegalArgumentException(spec + ": cannot reach Kafka at " + bootstrap + " (" + ex.getMessage() + ")");
        }
        catch (final org.apache.kafka.common.errors.UnknownTopicOrPartitionException ex)
        {
            consumer.close(Duration.ZERO);
            throw new IllegalArgumentException(spec + ": no topic '" + topic + "' on " + bootstrap);
        }
        catch (final RuntimeException ex)
        {
            consumer.close(Duration.ZERO);
            throw ex instanceof IllegalArgumentException ? ex : new IllegalArgumentException(spec + ": " + ex.getMessage());
        }
    }

    public int poll(final DataBuffer data, final FrameSink sink, final int limit)
    {
        final long now = System.nanoTime();
        if (now - lagCheckedNs > LAG_EVERY_NS)
        {
            lagCheckedNs = now;
            refreshLag();
        }
        if (pending == null || !pending.hasNext())
        {
            final ConsumerRecords<ByteBuffer, ByteBuffer> records = consumer.poll(POLL);
            if (records.isEmpty())
            {
                return 0;
            }
            pending = records.iterator();
        }
        int produced = 0;
        while (produced < limit && pending.hasNext())
        {
            final ConsumerRecord<ByteBuffer, ByteBuffer> next = pending.next();
            if (!take(next))
            {
                skipped++;
                problem = spec + ": skipped " + skipped + " records that are not frames (no value, or longer than "
                    + DataBuffer.MAX_FRAME_LENGTH + " bytes)";
                finished(next);
                continue;
            }
            if (!Ingest.one(data, sink, record))
            {
                return END; // not in the graph, so not committed
            }
            finished(next);
            produced++;
        }
        if (!pending.hasNext())
        {
            commitDone(); // every record of the poll has been indexed into the graph
        }
        return produced;
    }

    /**
     * Notes that {@code record} is in the graph (or skipped). A poll's records come partition by
     * partition, so only the last one of each run is kept as an offset to commit.
     */
    private void finished(final ConsumerRecord<ByteBuffer, ByteBuffer> record)
    {
        if (!commits)
        {
            return;
        }
        if (lastFinished != null && lastFinished.partition() != record.partition())
        {
            keepOffsetOf(lastFinished);
        }
        lastFinished = record;
    }

    private void keepOffsetOf(final ConsumerRecord<ByteBuffer, ByteBuffer> record)
    {
        done.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
    }

    /**
     * Commits the offsets after the records already in the graph. A group that is rebalancing
     * refuses it; the next poll then revokes the partitions, and {@link CommitBeforeRevoke}
     * commits them while they are still this mount's, so the next owner starts right after.
     */
    private void commitDone()
    {
        if (lastFinished != null)
        {
            keepOffsetOf(lastFinished);
            lastFinished = null;
        }
        if (done.isEmpty())
        {
            return;
        }
        try
        {
            consumer.commitSync(done);
            done.clear();
        }
        catch (final org.apache.kafka.common.errors.RebalanceInProgressException ex)
        {
            // kept in done for the revocation
        }
        catch (final org.apache.kafka.clients.consumer.CommitFailedException ex)
        {
            // the group already gave these partitions away: their next owner reads them again
            problem = spec + ": the group moved partitions before their offsets were committed; their last records may be read twice";
            done.clear();
        }
    }

    /** Commits what is in the graph before the group takes partitions away (on the poll's thread). */
    private final class CommitBeforeRevoke implements ConsumerRebalanceListener
    {
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
        {
            commitDone();
        }

        public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
        {
            done.keySet().retainAll(partitions); // a revocation that could not commit leaves them to the new owner
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
            lag = total;
        }
        catch (final RuntimeException ex)
        {
            lag = -1; // the broker is away: unknown, not zero
        }
    }

    /** Points {@link #record} at {@code next}'s frame; false if it is not one. */
    private boolean take(final ConsumerRecord<ByteBuffer, ByteBuffer> next)
    {
        final ByteBuffer value = next.value();
        final int length = value == null ? 0 : value.remaining();
        if (length == 0 || length > DataBuffer.MAX_FRAME_LENGTH)
        {
            return false;
        }
        headers.read(next.headers(), next.timestamp() * 1_000_000L, PcapFormat.LINKTYPE_ETHERNET, length);
        linkType = headers.linkType();
        record.set(value, Math.max(length, headers.originalLength()), headers.timestampNs(), headers.linkType());
        return true;
    }

    public int batch()
    {
        return MAX_POLL_RECORDS;
    }

    /** The link type of the latest record (Ethernet until one arrives). */
    public int linkType()
    {
        return linkType;
    }

    public String describe()
    {
        return spec;
    }

    public long packets()
    {
        return record.packets();
    }

    public long bytes()
    {
        return record.bytes();
    }

    public String problem()
    {
        return problem;
    }

    @Override
    public long lag()
    {
        return lag;
    }

    /** Commits what reached the graph, then leaves the group, so that the next owner starts right after it. */
    public void close()
    {
        try
        {
            commitDone();
        }
        catch (final RuntimeException ex)
        {
            System.err.println("pipesfs: " + spec + ": could not commit on close: " + ex.getMessage());
        }
        consumer.close(Duration.ofSeconds(2));
    }
}
