package org.pipesfs.fs.export;

import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.filters.FlowKey;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.nic.kafka.KafkaFrameRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * <p>Lossless: the records go in transactions of at most {@value #TRANSACTION_MS} ms. This
 * thread keeps a transaction's records until Kafka has committed it; if Kafka fails it
 * (a broker that crashed mid-batch makes even an idempotent producer write some batches
 * twice), the transaction is aborted and its records sent again in a new one, so a consumer
 * that reads committed records ({@code isolation.level=read_committed}, kcat's default and
 * the {@code kafka:} source's) sees every element once. While Kafka is slow or down this
 * thread waits, its ring fills, and the source waits in turn. Lossy: one plain
 * producer with {@code acks=1}; what it cannot take within a second, or what the ring laps
 * while this thread waits, is counted as dropped.
 *
 * <p>Thread rule: the export thread reads and sends; any thread may read the counters and
 * close it.
 */
public final class KafkaExport implements Export
{
    /** The longest a lossless transaction stays open: the latency a committed reader sees at most. */
    static final long TRANSACTION_MS = 100;
    /** Records a lossless transaction holds at most, for a resend: about 64 MiB of large frames. */
    private static final int TRANSACTION_RECORDS = 1 << 16;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final String spec;
    private final String transactionalId;
    private final FrameReads reads;
    private final FrameReads.Handler send = this::send;
    private final String topic;
    private final String bootstrap;
    private final boolean lossless;
    private volatile KafkaProducer<byte[], byte[]> producer;
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);
    private final PacketView packet = new PacketView();
    private final List<ProducerRecord<byte[], byte[]>> transaction = new ArrayList<>();
    private long transactionStartNs;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final Callback lossyAck = (metadata, error) ->
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
    };
    private final Thread thread;
    private volatile boolean closed;
    private volatile String problem;

    /**
     * @param spec the node's name when the export started; a rename ends it
     * @param transactionalId names this export to Kafka across restarts (lossless): the mount
     *        and the node, so that a restarted mount fences its crashed predecessor's transaction
     */
    public KafkaExport(
        final String spec, final String transactionalId, final IndexReader reader, final String topic, final String bootstrap,
        final boolean lossless)
    {
        this.spec = spec;
        this.transactionalId = transactionalId;
        this.reads = new FrameReads(reader);
        this.topic = topic;
        this.bootstrap = bootstrap;
        this.lossless = lossless;
        this.producer = new KafkaProducer<>(config(bootstrap, lossless ? transactionalId : null));
        this.thread = new Thread(lossless ? this::runTransactions : this::runLossy, "pipesfs-kafka-" + topic);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Throughput settings: 256 KiB batches with 5 ms of linger and lz4 compress the many
     * small records a capture makes into few requests; 64 MiB of buffer absorb a burst.
     *
     * @param transactionalId null for the lossy producer
     */
    static Properties config(final String bootstrap, final String transactionalId)
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
        if (transactionalId != null)
        {
            config.put("transactional.id", transactionalId);
            config.put("acks", "all");
            config.put("enable.idempotence", "true");
            config.put("max.in.flight.requests.per.connection", "5");
            config.put("retries", Integer.toString(Integer.MAX_VALUE));
            config.put("delivery.timeout.ms", Integer.toString(Integer.MAX_VALUE));
            config.put("max.block.ms", "10000");
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
     * reader's laps are the ring's, and {@link #lost} adds what the producer would not take.
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
    public long lost()
    {
        return lost.get();
    }

    /** Lossless: read, send in the open transaction, commit when it is old or big enough, or the ring is empty. */
    private void runTransactions()
    {
        try
        {
            if (!startProducer())
            {
                return;
            }
            while (!closed)
            {
                if (reads.read(send) > 0)
                {
                    if (transaction.size() >= TRANSACTION_RECORDS
                        || System.nanoTime() - transactionStartNs >= TRANSACTION_MS * 1_000_000L)
                    {
                        commit();
                    }
                }
                else if (!transaction.isEmpty())
                {
                    commit(); // nothing more to read now: what is open goes out at once
                }
                else if (reads.isEnded())
                {
                    return;
                }
                else
                {
                    reads.await();
                }
            }
            commitOnClose();
        }
        catch (final org.apache.kafka.common.errors.InterruptException ex)
        {
            // closed while Kafka was waited on
        }
        catch (final RuntimeException ex)
        {
            problem = ex.toString();
            System.err.println("pipesfs: kafka=" + topic + ": export stopped: " + ex);
        }
    }

    private void runLossy()
    {
        try
        {
            while (!closed)
            {
                if (reads.read(send) > 0)
                {
                    continue;
                }
                if (reads.isEnded())
                {
                    producer.flush();
                    return;
                }
                reads.await();
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

    /** Makes one record of a frame and sends it, in the open transaction or lossy. */
    private void send(
        final UnsafeBuffer buffer, final int offset, final int length, final long timestampNs, final int linkType,
        final int originalLength)
    {
        final byte[] value = new byte[length];
        buffer.getBytes(offset, value);
        frame.wrap(buffer, offset, length);
        final byte[] key = FlowKey.of(packet.decode(frame, 0, length, linkType, PacketView.TRANSPARENT));
        final RecordHeaders headers = new RecordHeaders();
        headers.add(KafkaFrameRecord.TIMESTAMP_NS, KafkaFrameRecord.bigEndian(timestampNs, Long.BYTES));
        headers.add(KafkaFrameRecord.LINK_TYPE, KafkaFrameRecord.bigEndian(linkType, Integer.BYTES));
        headers.add(KafkaFrameRecord.ORIGINAL_LENGTH, KafkaFrameRecord.bigEndian(originalLength, Integer.BYTES));
        final ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, timestampNs / 1_000_000L, key, value, headers);
        if (lossless)
        {
            sendInTransaction(record);
        }
        else
        {
            sendLossy(record);
        }
        sent.incrementAndGet();
    }

    /** Adds {@code record} to the open transaction (opening one if none is), for as long as it takes. */
    private void sendInTransaction(final ProducerRecord<byte[], byte[]> record)
    {
        transaction.add(record);
        try
        {
            if (transaction.size() == 1)
            {
                begin();
            }
            sendHolding(record);
        }
        catch (final org.apache.kafka.common.errors.InterruptException ex)
        {
            throw ex;
        }
        catch (final KafkaException ex)
        {
            sendAgain(ex);
        }
    }

    /** Hands {@code record} to the producer, waiting while its buffer is full or the cluster away. */
    private void sendHolding(final ProducerRecord<byte[], byte[]> record)
    {
        while (!closed)
        {
            try
            {
                producer.send(record);
                return;
            }
            catch (final org.apache.kafka.common.errors.TimeoutException ex)
            {
                unreachable(ex);
            }
        }
    }

    /**
     * The open transaction failed (a send or the commit said so): aborts it and sends its
     * records again in a new one, with a new producer if this one can no longer abort, until
     * Kafka takes them all.
     */
    private void sendAgain(final KafkaException cause)
    {
        problem = "transaction failed, sending it again: " + cause;
        System.err.println("pipesfs: kafka=" + topic + ": " + problem);
        while (!closed)
        {
            abortOrRestart();
            try
            {
                begin();
                for (int i = 0; i < transaction.size(); i++)
                {
                    sendHolding(transaction.get(i));
                }
                return;
            }
            catch (final org.apache.kafka.common.errors.InterruptException ex)
            {
                throw ex;
            }
            catch (final KafkaException ex)
            {
                problem = "transaction failed again, sending it again: " + ex;
            }
        }
    }

    private void begin()
    {
        producer.beginTransaction();
        transactionStartNs = System.nanoTime();
    }

    private void sendLossy(final ProducerRecord<byte[], byte[]> record)
    {
        try
        {
            producer.send(record, lossyAck);
        }
        catch (final org.apache.kafka.common.errors.TimeoutException ex)
        {
            lost.incrementAndGet();
        }
    }

    /**
     * Commits the open transaction. A commit that timed out is asked again (Kafka finishes the
     * one it started); any other failure sends the transaction again.
     */
    private void commit()
    {
        while (!closed)
        {
            try
            {
                commitNow();
                problem = null;
                return;
            }
            catch (final org.apache.kafka.common.errors.TimeoutException ex)
            {
                unreachable(ex);
            }
            catch (final org.apache.kafka.common.errors.InterruptException ex)
            {
                throw ex;
            }
            catch (final KafkaException ex)
            {
                sendAgain(ex);
            }
        }
    }

    /** One last commit of what was read before the export closed, within the producer's wait. */
    private void commitOnClose()
    {
        if (transaction.isEmpty())
        {
            return;
        }
        try
        {
            commitNow();
        }
        catch (final KafkaException ex)
        {
            System.err.println("pipesfs: kafka=" + topic + ": closed with " + transaction.size()
                + " elements not committed: " + ex.getMessage());
        }
    }

    private void commitNow()
    {
        producer.commitTransaction();
        acked.addAndGet(transaction.size());
        transaction.clear();
    }

    /** Aborts the open transaction; a producer that cannot is replaced, which aborts it in Kafka. */
    private void abortOrRestart()
    {
        try
        {
            producer.abortTransaction();
        }
        catch (final org.apache.kafka.common.errors.InterruptException ex)
        {
            throw ex;
        }
        catch (final KafkaException ex)
        {
            producer.close(Duration.ZERO);
            producer = new KafkaProducer<>(config(bootstrap, transactionalId));
            startProducer(); // its first step aborts what the old one left open
        }
    }

    /** Registers the transactional producer, waiting for the cluster; false if closed first. */
    private boolean startProducer()
    {
        while (!closed)
        {
            try
            {
                producer.initTransactions();
                return true;
            }
            catch (final org.apache.kafka.common.errors.TimeoutException ex)
            {
                unreachable(ex);
            }
        }
        return false;
    }

    private void unreachable(final RuntimeException ex)
    {
        if (problem == null)
        {
            System.err.println("pipesfs: kafka=" + topic + ": cannot reach " + bootstrap + " (" + ex.getMessage()
                + "); holding the stream until it answers");
        }
        problem = "cannot reach " + bootstrap + ": " + ex.getMessage();
    }

    /**
     * Stops reading, commits what was read (lossless) and closes the producer; the ring's reader goes last, so a
     * lossless source never overtakes it.
     */
    public void close()
    {
        closed = true;
        try
        {
            thread.join(15_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        producer.close(lossless ? CLOSE_WAIT : Duration.ZERO); // lossless: what is left open was not read
        reads.close();
    }
}
