package org.pipesfs.nic.kafka;

import org.apache.kafka.clients.consumer.KafkaConsumer;
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
import java.util.List;
import java.util.Properties;

/**
 * {@code kafka:TOPIC[:group=NAME][:from=earliest|latest]}: the root fed by a topic's records
 * ({@link KafkaFrameRecord}), each with its own capture time and link type, so every node
 * works on a remote capture as on a local one. Without a group the mount reads every
 * partition; with one, Kafka's group protocol shares the partitions among the mounts that
 * name it. Kafka's consumer fetches and parses on a thread of its own ({@link KafkaFetcher});
 * this side places the records in the graph and hands back the offsets after each finished
 * poll, and only those are committed, so a restarted mount resumes after the last element it
 * finished. A record that is not a frame (no value, or longer than a slot) is skipped and
 * counted in {@link #problem}.
 *
 * <p>Thread rule: the producer thread only, except {@link #lag}, {@link #problem} and
 * {@link #linkType}, values other threads may read.
 */
public final class KafkaSource implements FrameSource
{
    public static final String PREFIX = "kafka";
    /** Records one poll brings at most. */
    public static final int MAX_POLL_RECORDS = 512;
    /**
     * How long the group waits for a mount that stopped answering (killed, or cut off) before
     * its partitions move to the others or to its restart: Kafka's 45 s default is long for a
     * mount, 6 s is the broker's least.
     */
    public static final int SESSION_TIMEOUT_MS = 10_000;

    private final String spec;
    private final KafkaFetcher fetcher;
    private final Ingest.Copied record = new Ingest.Copied();
    private FetchedPoll current;
    private long skipped;
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
        this(spec, bootstrap, false);
    }

    /**
     * The same topic for the JIT warm-up, which runs Kafka's fetch and parse before the mount's
     * traffic needs them compiled: read from its first record, in no group, under a client id of
     * its own, committing nothing, so the mount's group and offsets never see it.
     *
     * @throws IllegalArgumentException as the mount's own source would.
     */
    public static KafkaSource mirrorOf(final String spec, final String bootstrap)
    {
        return new KafkaSource(spec, bootstrap, true);
    }

    private KafkaSource(final String spec, final String bootstrap, final boolean mirror)
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
        final String topic = parts[1];
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
        if (mirror)
        {
            group = null;
            from = "earliest";
        }
        final Properties config = new Properties();
        config.put("bootstrap.servers", bootstrap);
        // the record's own bytes, not a copy: the frame is copied once, into its slot
        config.put("key.deserializer", ByteBufferDeserializer.class.getName());
        config.put("value.deserializer", ByteBufferDeserializer.class.getName());
        config.put("enable.auto.commit", "false");
        config.put("auto.offset.reset", from);
        config.put("client.id", (mirror ? "pipesfs-warmup-" : "pipesfs-") + topic);
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
        final KafkaConsumer<ByteBuffer, ByteBuffer> consumer = new KafkaConsumer<>(config);
        // offsets are kept per group; a mount without one starts from 'from' each time
        fetcher = new KafkaFetcher(spec, consumer, group != null, MAX_POLL_RECORDS);
        try
        {
            final List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (partitions == null || partitions.isEmpty())
            {
                throw new IllegalArgumentException(spec + ": no topic '" + topic + "' on " + bootstrap);
            }
            if (group != null)
            {
                consumer.subscribe(List.of(topic), fetcher.rebalanceListener());
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
        if (current == null && (current = fetcher.next()) == null)
        {
            return 0;
        }
        final FetchedPoll poll = current;
        int produced = 0;
        int i = poll.finished;
        while (produced < limit && i < poll.count)
        {
            final byte[] frame = poll.frame[i];
            if (frame == null)
            {
                skipped++;
                problem = spec + ": skipped " + skipped + " records that are not frames (no value, or longer than "
                    + DataBuffer.MAX_FRAME_LENGTH + " bytes)";
                i++;
                continue;
            }
            final int type = poll.linkType[i];
            if (type != linkType)
            {
                linkType = type;
            }
            record.set(frame, poll.frameOffset[i], poll.frameLength[i], poll.originalLength[i], poll.timestampNs[i], type);
            if (!Ingest.one(data, sink, record))
            {
                poll.finished = i;
                return END; // not in the graph, so not committed
            }
            i++;
            produced++;
        }
        poll.finished = i;
        if (i == poll.count)
        {
            current = null;
            fetcher.finished(poll); // every record of the poll is in the graph, or skipped
        }
        return produced;
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
        final String fetching = fetcher.problem();
        return fetching != null ? fetching : problem;
    }

    @Override
    public long lag()
    {
        return fetcher.lag();
    }

    /** Commits what reached the graph, then leaves the group, so that the next owner starts right after it. */
    public void close()
    {
        final FetchedPoll inProgress = current;
        current = null;
        fetcher.close(inProgress);
    }
}
