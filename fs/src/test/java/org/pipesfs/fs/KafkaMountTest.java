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
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.filters.Captures;
import org.pipesfs.filters.Tshark;
import org.pipesfs.nic.kafka.KafkaFrameRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
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
@Timeout(value = 12, unit = TimeUnit.MINUTES)
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
                    final List<String> expected = CaptureFrames.of(ours);
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
                    CaptureFrames.assertSame(capture.getKey() + ": the same frames", exported, expected);
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

    /**
     * http.pcap and a synthetic web capture exported to one topic, then read by two mounts of
     * one group, each with every conversation's {@code ip/tcp/stream} directions open before
     * the first record: each direction's bytes arrive, as tshark follows them, on exactly one
     * mount, and the two mounts' frames are the topic's, without overlap.
     */
    @Test
    void mountsInOneGroupShareTheConversationsWithoutOverlap(@TempDir final Path dir) throws Exception
    {
        final Path synthetic = dir.resolve("web.pcap");
        final String topic = "shared";
        assertThat(Shell.run(120, String.join(" ", Shell.pipesfs("synth", "--count", "600", "--seed", "7", "--mix", "web",
            synthetic.toString()))).exit()).isZero();
        final List<String> frames = new ArrayList<>();
        final Map<String, byte[]> flows = new LinkedHashMap<>();
        for (final Path capture : List.of(Captures.of("http.pcap"), synthetic))
        {
            frames.addAll(export(capture, topic));
            Tshark.follow(capture).forEach((name, bytes) ->
            {
                if (!name.contains(":"))
                {
                    flows.put(name, bytes); // ip/tcp/stream holds IPv4 conversations; IPv6 ones are under ip6
                }
            });
        }
        final List<String> names = new ArrayList<>(flows.keySet());
        try (FuseMount b1 = FuseMount.start("--paused", "--kafka", broker.bootstrap(), "--source", "kafka:" + topic + ":group=g");
             FuseMount b2 = FuseMount.start("--paused", "--kafka", broker.bootstrap(), "--source", "kafka:" + topic + ":group=g"))
        {
            final List<FuseMount> mounts = List.of(b1, b2);
            final StringBuilder readers = new StringBuilder("cd " + dir + "\n");
            for (int m = 0; m < 2; m++)
            {
                final String p = mounts.get(m).dir.toString();
                Files.createDirectory(mounts.get(m).path("ip/tcp/stream"));
                readers.append("cat ").append(p).append("/all.pcap > b").append(m).append(".pcap &\n");
                readers.append("cat ").append(p).append("/ip/tcp/stream/all > b").append(m).append(".stream &\n");
                for (int f = 0; f < names.size(); f++)
                {
                    readers.append("cat '").append(p).append("/ip/tcp/stream/").append(names.get(f)).append("/all' > b")
                        .append(m).append("-").append(f).append(" &\n");
                }
            }
            readers.append("wait\n");
            final Process script = new ProcessBuilder("bash", "-c", readers.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("readers.log").toFile()).start();
            try
            {
                for (final FuseMount b : mounts)
                {
                    b.awaitReaders("", 1);
                    for (final String name : names)
                    {
                        b.awaitReaders("ip/tcp/stream/" + name, 1);
                    }
                }
                Files.writeString(b1.path(".ctl"), "start\n"); // both join the group within its 3 s start delay
                Files.writeString(b2.path(".ctl"), "start\n");
                final long deadline = System.currentTimeMillis() + 60_000;
                while ((b1.stat("packets") + b2.stat("packets") < frames.size() || lag(b1) != 0 || lag(b2) != 0)
                    && System.currentTimeMillis() < deadline)
                {
                    Thread.sleep(100); // the lag is measured once a second
                }
                assertThat(b1.stat("packets") + b2.stat("packets")).as("every record, none twice").isEqualTo(frames.size());
                assertThat(b1.stat("packets")).as("both mounts took a share").isPositive();
                assertThat(b2.stat("packets")).isPositive();
                Files.writeString(b1.path(".ctl"), "stop\n");
                Files.writeString(b2.path(".ctl"), "stop\n");
                assertThat(script.waitFor(30, TimeUnit.SECONDS)).as("every reader ends at the stop").isTrue();
            }
            finally
            {
                Shell.kill(script);
            }
        }
        final List<String> union = new ArrayList<>(CaptureFrames.of(dir.resolve("b0.pcap")));
        union.addAll(CaptureFrames.of(dir.resolve("b1.pcap")));
        CaptureFrames.assertSame("the topic's frames, each once", union, frames);
        final java.util.Set<String> shared = CaptureFrames.conversations(dir.resolve("b0.pcap"));
        shared.retainAll(CaptureFrames.conversations(dir.resolve("b1.pcap")));
        assertThat(shared).as("no conversation in both").isEmpty();
        long total = 0;
        for (int f = 0; f < names.size(); f++)
        {
            final byte[] one = Files.readAllBytes(dir.resolve("b0-" + f));
            final byte[] two = Files.readAllBytes(dir.resolve("b1-" + f));
            assertThat(one.length == 0 || two.length == 0).as(names.get(f) + " on one mount only").isTrue();
            assertThat(one.length == 0 ? two : one).as(names.get(f) + " as tshark follows it").isEqualTo(flows.get(names.get(f)));
            total += flows.get(names.get(f)).length;
        }
        assertThat(Files.size(dir.resolve("b0.stream")) + Files.size(dir.resolve("b1.stream")))
            .as("stream/all of both: every direction's bytes, nothing else").isEqualTo(total);
    }

    /**
     * A group's mount killed with SIGKILL while a slow reader holds it back, and started again:
     * the restart reads exactly the records at and after the offsets the group had committed,
     * each once; what the killed mount had in its graph but not committed comes again.
     */
    /**
     * The JIT warm-up's copy of a {@code kafka:} source reads the topic from its first record,
     * whatever the mount's {@code from=}, and outside the mount's group: it commits nothing.
     */
    @Test
    void theWarmUpReadsTheTopicFromItsStartAndLeavesTheGroupAlone() throws Exception
    {
        final List<String> frames = export(Captures.of("http.pcap"), "warmup");
        final org.pipesfs.buffers.DataBuffer data = new org.pipesfs.buffers.DataBuffer(1 << 20,
            org.pipesfs.buffers.BufferPolicy.LOSSY);
        final List<String> read = new ArrayList<>();
        try (org.pipesfs.nic.FrameSource mirror = HotPathWarmup.mirrorOf("kafka:warmup:group=w:from=latest", broker.bootstrap()))
        {
            assertThat(mirror).isNotNull();
            final long deadline = System.currentTimeMillis() + 30_000;
            while (read.size() < frames.size() && System.currentTimeMillis() < deadline)
            {
                final int polled = mirror.poll(data, (position, sequence, length) ->
                {
                    final byte[] frame = new byte[length];
                    data.buffer().getBytes(data.frameOffset(position), frame);
                    return read.add(HexFormat.of().formatHex(frame));
                }, 256);
                if (polled == 0)
                {
                    Thread.sleep(5);
                }
            }
        }
        assertThat(read).as("the topic's frames, each once").containsExactlyInAnyOrderElementsOf(frames);
        assertThat(committedOffsets("w")).as("offsets of the mount's group").isEmpty();
    }

    @Test
    void aKilledConsumerMountRestartsAtItsCommittedOffsets(@TempDir final Path dir) throws Exception
    {
        final Path capture = dir.resolve("resume.pcap");
        final String topic = "resume";
        final int frames = 200_000;
        assertThat(Shell.run(120, String.join(" ", Shell.pipesfs("synth", "--count", Integer.toString(frames), "--seed", "11",
            capture.toString()))).exit()).isZero();
        export(capture, topic);
        final Map<TopicPartition, Map<Long, String>> topicFrames = new HashMap<>();
        for (final ConsumerRecord<byte[], byte[]> record : consumeAll(topic, frames))
        {
            topicFrames.computeIfAbsent(new TopicPartition(topic, record.partition()), p -> new HashMap<>())
                .put(record.offset(), HexFormat.of().formatHex(record.value()));
        }
        final String source = "kafka:" + topic + ":group=resume";
        try (FuseMount c = FuseMount.start("--paused", "--kafka", broker.bootstrap(), "--source", source))
        {
            // 64 KiB every 20 ms: the lossless graph waits for this reader, so the source is mid-topic for a while
            final Process slow = new ProcessBuilder("bash", "-c", "while dd bs=65536 count=1 status=none; do sleep 0.02; done < "
                + c.path("all.pcap") + " > /dev/null").start();
            try
            {
                c.awaitReaders("", 1);
                Files.writeString(c.path(".ctl"), "start\n");
                final long deadline = System.currentTimeMillis() + 60_000;
                while (c.stat("packets") < frames / 4 && System.currentTimeMillis() < deadline)
                {
                    Thread.sleep(20);
                }
                c.server.destroyForcibly(); // SIGKILL: no commit on the way out
                assertThat(c.server.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            finally
            {
                Shell.kill(slow);
            }
        }
        final Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed = committedOffsets("resume");
        final List<String> rest = new ArrayList<>();
        topicFrames.forEach((partition, byOffset) -> byOffset.forEach((offset, hex) ->
        {
            if (!committed.containsKey(partition) || offset >= committed.get(partition).offset())
            {
                rest.add(hex);
            }
        }));
        assertThat(rest.size()).as("killed mid-topic, with offsets committed").isBetween(1, frames - 1);

        final Path resumed = dir.resolve("resumed.pcap");
        try (FuseMount c = FuseMount.start("--paused", "--kafka", broker.bootstrap(), "--source", source))
        {
            final Process cat = new ProcessBuilder("cat", c.path("all.pcap").toString()).redirectOutput(resumed.toFile()).start();
            try
            {
                c.awaitReaders("", 1);
                Files.writeString(c.path(".ctl"), "start\n");
                final long deadline = System.currentTimeMillis() + 60_000; // the group first waits out the killed member
                while ((c.stat("packets") < rest.size() || lag(c) != 0) && System.currentTimeMillis() < deadline)
                {
                    Thread.sleep(100);
                }
                assertThat(c.stat("packets")).as("the records past the committed offsets, once").isEqualTo(rest.size());
                Files.writeString(c.path(".ctl"), "stop\n");
                assertThat(cat.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            finally
            {
                Shell.kill(cat);
            }
        }
        CaptureFrames.assertSame("the records past the committed offsets", CaptureFrames.of(resumed), rest);
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

    /** Exports every frame of {@code capture} to {@code topic} from a mount's root, and returns them. */
    private static List<String> export(final Path capture, final String topic) throws Exception
    {
        final List<String> frames = CaptureFrames.of(capture);
        try (FuseMount a = FuseMount.start("--paused", "--kafka", broker.bootstrap(), "--source", "pcap:" + capture))
        {
            Files.createDirectory(a.path("kafka=" + topic));
            Files.writeString(a.path(".ctl"), "start\n");
            awaitAcked(a, "kafka=" + topic, frames.size());
        }
        return frames;
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

    private static Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committedOffsets(final String group)
        throws Exception
    {
        final Properties config = new Properties();
        config.put("bootstrap.servers", broker.bootstrap());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(config))
        {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        }
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
            // A commit returns once the coordinator has logged it; its markers reach the
            // partitions just after, and only then do read_committed consumers see the records.
            // So this reads until the count arrives, then a second longer for any duplicate.
            final long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline && records.size() < expected)
            {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            final long settle = System.currentTimeMillis() + 1_000;
            while (System.currentTimeMillis() < settle)
            {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertThat(records.size()).as("committed records within a minute").isGreaterThanOrEqualTo(expected);
        }
        return records;
    }
}
