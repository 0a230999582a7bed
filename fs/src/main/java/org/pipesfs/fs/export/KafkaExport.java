package org.pipesfs.fs.export;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.filters.FlowKey;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.nic.kafka.KafkaFrameRecord;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends every element that reaches a {@code kafka=TOPIC} node to TOPIC as one record
 * ({@link KafkaFrameRecord}: the whole frame, capture time, link type, original length), keyed
 * by its {@link FlowKey} so that Kafka's default partitioner keeps each conversation in one
 * partition and in order. Its own thread reads the node's ring as any reader does, so the
 * source's thread never waits on Kafka; Kafka's producer batches, compresses and sends on its
 * I/O thread.
 *
 * <p>Lossless: an idempotent producer with {@code acks=all} that retries for ever; when Kafka
 * is slow or down its buffer fills, this thread waits, its ring fills, and the source waits in
 * turn, so nothing is lost and nothing is sent twice. Lossy: what the producer cannot take
 * within a second, or what the ring laps while this thread waits, is counted as dropped.
 *
 * <p>Thread rule: the export thread reads and sends; any thread may read the counters and
 * close it.
 */
public final class KafkaExport implements AutoCloseable
{
    private static final int READ_BYTES = 1 << 20;
    private static final long WAIT_SLICE_NS = 20_000_000L;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final String spec;
    private final IndexReader reader;
    private final String topic;
    private final String bootstrap;
    private final boolean lossless;
    private final KafkaProducer<byte[], byte[]> producer;
    private final UnsafeBuffer elements = new UnsafeBuffer(BufferUtil.allocateDirectAligned(READ_BYTES, 64));
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private final KafkaFrameRecord format = new KafkaFrameRecord();
    private final PacketView packet = new PacketView();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;
    private volatile String problem;

    /** @param spec the node's name when the export started; a rename ends it */
    public KafkaExport(
        final String spec, final IndexReader reader, final String topic, final String bootstrap, final boolean lossless)
    {
        this.spec = spec;
        this.reader = reader;
        this.topic = topic;
        this.bootstrap = bootstrap;
        this.lossless = lossless;
        this.producer = new KafkaProducer<>(config(bootstrap, lossless));
        this.thread = new Thread(this::run, "pipesfs-kafka-" + topic);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Throughput settings: 256 KiB batches with 5 ms of linger and lz4 compress the many
     * small records a capture makes into few requests; 64 MiB of buffer absorb a burst.
     */
    static Properties config(final String bootstrap, final boolean lossless)
    {
        final Properties config = new Properties();
        config.put("bootstrap.servers", bootstrap);
        config.put("key.serializer", ByteArraySerializer.class.getName());
        config.put("value.serializer", ByteArraySerializer.class.getName());
        config.put("client.id", "pipesfs-export");
        config.put("batch.size", Integer.toString(256 << 10));
        config.put("linger.ms", "5");
        config.put("compression.type", "lz4");
        config.put("buffer.memory", Long.toString(64L << 20));
        if (lossless)
        {
            config.put("acks", "all");
            config.put("enable.idempotence", "true");
            config.put("max.in.flight.requests.per.connection", "5");
            config.put("retries", Integer.toString(Integer.MAX_VALUE));
            config.put("delivery.timeout.ms", Integer.toString(Integer.MAX_VALUE));
            config.put("max.block.ms", "60000");
        }
        else
        {
            config.put("acks", "1");
            config.put("enable.idempotence", "false");
            config.put("delivery.timeout.ms", "30000");
            config.put("max.block.ms", "1000");
        }
        return config;
    }

    public String spec()
    {
        return spec;
    }

    /**
     * The export's own {@code .stats} lines. What it lost is in the node's {@code dropped}: its
     * reader's laps are the ring's, and {@link #refused} adds what the producer would not take.
     */
    public String stats()
    {
        final long s = sent.get();
        final long a = acked.get();
        final long f = failed.get();
        return "sent " + s + "\nacked " + a + "\nfailed " + f + "\nin_flight " + Math.max(0, s - a - f)
            + "\nkafka " + topic + "@" + bootstrap + "\n" + (problem != null ? "kafka_problem " + problem + "\n" : "");
    }

    /** Elements the producer would not take in time (lossy only). */
    public long refused()
    {
        return refused.get();
    }

    private void run()
    {
        try
        {
            while (!closed)
            {
                final int n = reader.read(elements, 0, READ_BYTES, format);
                if (n > 0)
                {
                    sendAll(n);
                }
                else if (reader.isEnded())
                {
                    producer.flush();
                    return;
                }
                else
                {
                    reader.await(WAIT_SLICE_NS);
                }
            }
        }
        catch (final org.apache.kafka.common.errors.InterruptException ex)
        {
            // closed while a send waited
        }
        catch (final RuntimeException ex)
        {
            problem = ex.toString();
            System.err.println("pipesfs: kafka=" + topic + ": export stopped: " + ex);
        }
    }

    /** Sends the whole elements in the first {@code length} bytes of the read buffer. */
    private void sendAll(final int length)
    {
        int at = 0;
        while (at + KafkaFrameRecord.PREFIX_LENGTH <= length)
        {
            final int captured = elements.getInt(at + KafkaFrameRecord.CAPTURED_LENGTH_OFFSET, KafkaFrameRecord.ORDER);
            final int frameAt = at + KafkaFrameRecord.PREFIX_LENGTH;
            if (captured < 0 || frameAt + captured > length)
            {
                break; // reads hand out whole elements; a torn prefix ends the batch
            }
            final long timestampNs = elements.getLong(at + KafkaFrameRecord.TIMESTAMP_OFFSET, KafkaFrameRecord.ORDER);
            final int linkType = elements.getInt(at + KafkaFrameRecord.LINK_TYPE_OFFSET, KafkaFrameRecord.ORDER);
            final int original = elements.getInt(at + KafkaFrameRecord.ORIGINAL_LENGTH_OFFSET, KafkaFrameRecord.ORDER);
            final byte[] value = new byte[captured];
            elements.getBytes(frameAt, value);
            frame.wrap(elements, frameAt, captured);
            final byte[] key = FlowKey.of(packet.decode(frame, 0, captured, linkType, PacketView.TRANSPARENT));
            final RecordHeaders headers = new RecordHeaders();
            headers.add(KafkaFrameRecord.TIMESTAMP_NS, KafkaFrameRecord.bigEndian(timestampNs, Long.BYTES));
            headers.add(KafkaFrameRecord.LINK_TYPE, KafkaFrameRecord.bigEndian(linkType, Integer.BYTES));
            headers.add(KafkaFrameRecord.ORIGINAL_LENGTH, KafkaFrameRecord.bigEndian(original, Integer.BYTES));
            send(new ProducerRecord<>(topic, null, timestampNs / 1_000_000L, key, value, headers));
            at = frameAt + captured;
        }
    }

    private void send(final ProducerRecord<byte[], byte[]> record)
    {
        while (!closed)
        {
            try
            {
                producer.send(record, (metadata, error) ->
                {
                    if (error == null)
                    {
                        acked.incrementAndGet();
                        problem = null; // reachable again
                    }
                    else
                    {
                        failed.incrementAndGet();
                        problem = error.toString();
                    }
                });
                sent.incrementAndGet();
                return;
            }
            catch (final org.apache.kafka.common.errors.TimeoutException ex)
            {
                if (!lossless)
                {
                    refused.incrementAndGet();
                    return;
                }
                if (problem == null)
                {
                    System.err.println("pipesfs: kafka=" + topic + ": cannot reach " + bootstrap + " (" + ex.getMessage()
                        + "); holding the stream until it answers");
                }
                problem = "cannot reach " + bootstrap + ": " + ex.getMessage();
            }
        }
    }

    /**
     * Stops reading, then waits up to 30 s for what was sent to be acknowledged (lossless) and
     * closes the producer; the ring's reader goes last, so a lossless source never overtakes it.
     */
    public void close()
    {
        closed = true;
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        producer.close(lossless ? CLOSE_WAIT : Duration.ZERO);
        reader.close();
    }
}
