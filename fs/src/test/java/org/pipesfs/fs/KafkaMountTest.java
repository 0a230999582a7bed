package org.pipesfs.fs;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pipesfs.filters.Captures;
import org.pipesfs.nic.kafka.KafkaFrameRecord;
import org.pipesfs.nic.pcap.CaptureReader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Export and import through a real Kafka broker on 127.0.0.1: what a {@code kafka=TOPIC} node
 * sends is exactly its {@code all.pcap}, conversation by conversation in one partition, as both
 * Kafka's own consumer and kcat read it back; mounts fed by a {@code kafka:} source with a
 * group share the conversations without overlap; bad clusters and topics fail clearly.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class KafkaMountTest
{
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception
    {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception
    {
        if (broker != null)
        {
            broker.close();
        }
    }

    @Test
    void exportSendsExactlyTheNodesFramesEachConversationInOnePartition() throws Exception
    {
        final Path synthetic = Files.createTempFile("synthetic", ".pcap");
        final Path ours = Files.createTempFile("export", ".pcap");
        try
        {
            final Shell.Result synth = Shell.run(120, String.join(" ", Shell.pipesfs("synth", "--count", "200000", synthetic.toString())));
            assertThat(synth.exit()).as(synth.err()).isZero();
            for (final Map.Entry<String, Path> capture : Map.of("http", Captures.of("http.pcap"), "synthetic", synthetic).entrySet())
            {
                final String topic = "export-" + capture.getKey();
                try (FuseMount mount = FuseMount.start("--paused", "--kafka", broker.bootstrap(), "--source", "pcap:" + capture.getValue()))
                {
                    final Path node = mount.path("ip/tcp/kafka=" + topic);
                    Files.createDirectory(node);
                    ReplayMountTest.replay(mount, ours, "ip/tcp/all.pcap");
                    final List<String> expected = framesOf(ours);
                    awaitAcked(mount, "ip/tcp/kafka=" + topic, expected.size());
                    assertThat(mount.stat("ip/tcp/kafka=" + topic, "failed")).isZero();
                    assertThat(mount.stat("ip/tcp/kafka=" + topic, "dropped")).isZero();

                    final List<ConsumerRecord<byte[], byte[]>> records = consumeAll(topic, expected.size());
                    final List<String> exported = new ArrayList<>();
                    final Map<String, Integer> partitionOfKey = new HashMap<>();
                    for (final ConsumerRecord<byte[], byte[]> record : records)
                    {
                        exported.add(HexFormat.of().formatHex(record.value()));
                        final String key = HexFormat.of().formatHex(record.key());
                        assertThat(partitionOfKey.computeIfAbsent(key, k -> record.partition()))
                            .as("a conversation stays in one partition").isEqualTo(record.partition());
                        assertThat(KafkaFrameRecord.bigEndian(record.headers().lastHeader(KafkaFrameRecord.LINK_TYPE).value(), 4, -1))
                            .isEqualTo(1L);
                    }
                    assertThat(exported).as(capture.getKey() + ": the same frames").containsExactlyInAnyOrderElementsOf(expected);
                    assertThat(partitionOfKey.size()).as("several conversations").isGreaterThan(1);

                    // kcat, an independent client, agrees on count and bytes
                    final Shell.Result kcat = Shell.run(120, "kcat -C -b " + broker.bootstrap() + " -t " + topic
                        + " -e -q -f '%S\\n' | awk '{n++; b += $1} END {print n, b}'");
                    final long bytes = expected.stream().mapToLong(hex -> hex.length() / 2).sum();
                    assertThat(kcat.out().trim()).as(kcat.err()).isEqualTo(expected.size() + " " + bytes);
                }
            }
        }
        finally
        {
            Files.deleteIfExists(synthetic);
            Files.deleteIfExists(ours);
        }
    }

    @Test
    void exportWithoutAClusterIsRefusedAndBadSourcesFailBeforeMounting() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--bare"))
        {
            final Shell.Result run = Shell.run(10, "mkdir " + mount.path("kafka=t9"));
            assertThat(run.err()).contains("Invalid argument");
            assertThat(Files.readString(mount.log)).contains("'kafka=t9' names no cluster: mount with --kafka HOST:PORT");
            assertThat(Shell.run(10, "mkdir '" + mount.path("kafka=no space") + "'").err()).contains("Invalid argument");
        }
        final Path dir = Files.createTempDirectory("pipesfs-kafka");
        try
        {
            final Shell.Result noTopic = Shell.run(60, String.join(" ", Shell.pipesfs("mount", "--kafka", broker.bootstrap(),
                "--source", "kafka:no-such-topic", dir.toString())));
            assertThat(noTopic.exit()).isNotZero();
            assertThat(noTopic.err()).contains("no topic 'no-such-topic' on " + broker.bootstrap());
            final Shell.Result down = Shell.run(60, String.join(" ", Shell.pipesfs("mount", "--kafka", "127.0.0.1:1",
                "--source", "kafka:t1", dir.toString())));
            assertThat(down.exit()).isNotZero();
            assertThat(down.err()).contains("cannot reach Kafka at 127.0.0.1:1");
        }
        finally
        {
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void mountsInOneGroupShareTheConversationsWithoutOverlap() throws Exception
    {
        final Path synthetic = Files.createTempFile("group", ".pcap");
        final Path all = Files.createTempFile("group-all", ".pcap");
        final Path one = Files.createTempFile("group-1", ".pcap");
        final Path two = Files.createTempFile("group-2", ".pcap");
        final String topic = "shared";
        try
        {
            assertThat(Shell.run(120, String.join(" ", Shell.pipesfs("synth", "--count", "50000", "--seed", "7", synthetic.toString()))).exit()).isZero();
            try (FuseMount a = FuseMount.start("--paused", "--kafka", broker.bootstrap(), "--source", "pcap:" + synthetic))
            {
                Files.createDirectory(a.path("kafka=" + topic));
                ReplayMountTest.replay(a, all, "all.pcap");
                awaitAcked(a, "kafka=" + topic, 50_000);
            }
            try (FuseMount b1 = FuseMount.start("--kafka", broker.bootstrap(), "--source", "kafka:" + topic + ":group=g");
                 FuseMount b2 = FuseMount.start("--kafka", broker.bootstrap(), "--source", "kafka:" + topic + ":group=g"))
            {
                final Process cat1 = new ProcessBuilder("cat", b1.path("all.pcap").toString()).redirectOutput(one.toFile()).start();
                final Process cat2 = new ProcessBuilder("cat", b2.path("all.pcap").toString()).redirectOutput(two.toFile()).start();
                try
                {
                    final long deadline = System.currentTimeMillis() + 60_000;
                    while (b1.stat("packets") + b2.stat("packets") < 50_000 && System.currentTimeMillis() < deadline)
                    {
                        Thread.sleep(100);
                    }
                    while ((lag(b1) != 0 || lag(b2) != 0) && System.currentTimeMillis() < deadline)
                    {
                        Thread.sleep(100); // the lag is measured once a second
                    }
                    assertThat(b1.stat("consumer_lag") + b2.stat("consumer_lag")).isZero();
                    assertThat(b1.stat("packets") + b2.stat("packets")).as("every record, none twice").isEqualTo(50_000);
                    Files.writeString(b1.path(".ctl"), "stop\n");
                    Files.writeString(b2.path(".ctl"), "stop\n");
                    assertThat(cat1.waitFor(10, TimeUnit.SECONDS) && cat2.waitFor(10, TimeUnit.SECONDS)).isTrue();
                }
                finally
                {
                    Shell.kill(cat1);
                    Shell.kill(cat2);
                }
                assertThat(b1.stat("packets")).as("both mounts took a share").isPositive();
                assertThat(b2.stat("packets")).isPositive();
            }
            final List<String> first = framesOf(one);
            final List<String> second = framesOf(two);
            final List<String> union = new ArrayList<>(first);
            union.addAll(second);
            assertThat(union).containsExactlyInAnyOrderElementsOf(framesOf(all));
            final java.util.Set<String> flowsOne = conversations(one);
            final java.util.Set<String> flowsTwo = conversations(two);
            flowsOne.retainAll(flowsTwo);
            assertThat(flowsOne).as("no conversation in both").isEmpty();
        }
        finally
        {
            for (final Path file : List.of(synthetic, all, one, two))
            {
                Files.deleteIfExists(file);
            }
        }
    }

    @Test
    void aBrokerDownForFiveSecondsMidExportLosesNothing() throws Exception
    {
        final Path capture = Files.createTempFile("outage", ".pcap");
        final String topic = "outage";
        final int frames = 1_000_000;
        try
        {
            assertThat(Shell.run(120, String.join(" ", Shell.pipesfs("synth", "--count", Integer.toString(frames), "--seed", "3",
                capture.toString()))).exit()).isZero();
            try (FuseMount a = FuseMount.start("--paused", "--kafka", broker.bootstrap(), "--source", "pcap:" + capture))
            {
                Files.createDirectory(a.path("kafka=" + topic));
                Files.writeString(a.path(".ctl"), "start\n"); // the export is the reader
                final long deadline = System.currentTimeMillis() + 30_000;
                while (a.stat("kafka=" + topic, "acked") < frames / 10 && System.currentTimeMillis() < deadline)
                {
                    Thread.sleep(20);
                }
                broker.kill();
                Thread.sleep(5_000);
                final long held = a.stat("packets");
                assertThat(held).as("the source is held back while the broker is away").isLessThan(frames);
                broker.launch();
                awaitAcked(a, "kafka=" + topic, frames, 180_000);
            }
            final List<ConsumerRecord<byte[], byte[]>> records = consumeAll(topic, frames);
            final java.util.Set<Long> times = new java.util.HashSet<>();
            for (final ConsumerRecord<byte[], byte[]> record : records)
            {
                times.add(KafkaFrameRecord.bigEndian(record.headers().lastHeader(KafkaFrameRecord.TIMESTAMP_NS).value(), 8, -1));
            }
            assertThat(times).as("every frame arrived").hasSize(frames);
            assertThat(records).as("none twice").hasSize(frames);
        }
        finally
        {
            Files.deleteIfExists(capture);
        }
    }

    /** The root's consumer_lag, or -1 while it is unknown (not yet measured, or the cluster away). */
    private static long lag(final FuseMount mount) throws Exception
    {
        return mount.stats().contains("consumer_lag ") ? mount.stat("consumer_lag") : -1;
    }

    private static void awaitAcked(final FuseMount mount, final String node, final long frames) throws Exception
    {
        awaitAcked(mount, node, frames, 60_000);
    }

    private static void awaitAcked(final FuseMount mount, final String node, final long frames, final long waitMs) throws Exception
    {
        final long deadline = System.currentTimeMillis() + waitMs;
        while (mount.stat(node, "acked") < frames && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(50);
        }
        assertThat(mount.stat(node, "acked")).as(() -> describe(mount, node)).isEqualTo(frames);
        assertThat(mount.stat(node, "sent")).isEqualTo(frames);
        assertThat(mount.stat(node, "in_flight")).isZero();
    }

    /** The node's .stats and the end of the server's log, for a failure's message. */
    private static String describe(final FuseMount mount, final String node)
    {
        try
        {
            final String log = Files.readString(mount.log);
            return Files.readString(mount.path(node).resolve(".stats")) + "\nserver log:\n" + log.substring(Math.max(0, log.length() - 3000));
        }
        catch (final java.io.IOException ex)
        {
            return ex.toString();
        }
    }

    /** Every frame of a capture, as hex. */
    static List<String> framesOf(final Path capture)
    {
        final List<String> frames = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            while (reader.next())
            {
                final byte[] bytes = new byte[reader.capturedLength()];
                reader.buffer().getBytes(reader.offset(), bytes);
                frames.add(HexFormat.of().formatHex(bytes));
            }
        }
        return frames;
    }

    /** TCP and UDP conversations of a capture, both directions as one, as tshark lists them. */
    private static java.util.Set<String> conversations(final Path capture) throws Exception
    {
        final String out = Shell.run(120, "tshark -n -r " + capture
            + " -Y 'tcp or udp' -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport"
            + " -e udp.srcport -e udp.dstport 2>/dev/null").out();
        final java.util.Set<String> flows = new java.util.HashSet<>();
        for (final String line : out.split("\n"))
        {
            final String[] f = line.split("\t", -1);
            if (f.length < 8)
            {
                continue;
            }
            final String a = f[0] + f[2] + ":" + f[4] + f[6];
            final String b = f[1] + f[3] + ":" + f[5] + f[7];
            flows.add(a.compareTo(b) < 0 ? a + " " + b : b + " " + a);
        }
        return flows;
    }

    private static List<ConsumerRecord<byte[], byte[]>> consumeAll(final String topic, final int expected)
    {
        final Properties config = new Properties();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("key.deserializer", ByteArrayDeserializer.class.getName());
        config.put("value.deserializer", ByteArrayDeserializer.class.getName());
        config.put("auto.offset.reset", "earliest");
        config.put("isolation.level", "read_committed");
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config))
        {
            final List<TopicPartition> partitions = new ArrayList<>();
            for (final PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10)))
            {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            final long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline && partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)))
            {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertThat(records.size()).as("records up to the end offsets").isGreaterThanOrEqualTo(expected);
        }
        return records;
    }
}
