package org.pipesfs.nic.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.DataBuffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class FetchedPollTest
{
    private static final String TOPIC = "t";

    private static ConsumerRecord<ByteBuffer, ByteBuffer> record(final int partition, final long offset, final ByteBuffer value)
    {
        final RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(KafkaFrameRecord.TIMESTAMP_NS, KafkaFrameRecord.bigEndian(offset * 1_000L + 7, 8)));
        headers.add(new RecordHeader(KafkaFrameRecord.LINK_TYPE, KafkaFrameRecord.bigEndian(113, 4)));
        headers.add(new RecordHeader(KafkaFrameRecord.ORIGINAL_LENGTH, KafkaFrameRecord.bigEndian(1500, 4)));
        return new ConsumerRecord<>(TOPIC, partition, offset, offset, TimestampType.CREATE_TIME, 0,
            value == null ? -1 : value.remaining(), null, value, headers, Optional.empty());
    }

    /** Partition 0 at offsets 10..12, then partition 3 at 40..41; the value of 3/40 is no frame. */
    private static ConsumerRecords<ByteBuffer, ByteBuffer> poll()
    {
        final Map<TopicPartition, List<ConsumerRecord<ByteBuffer, ByteBuffer>>> records = new LinkedHashMap<>();
        final List<ConsumerRecord<ByteBuffer, ByteBuffer>> zero = new ArrayList<>();
        for (long offset = 10; offset <= 12; offset++)
        {
            final ByteBuffer fetched = ByteBuffer.allocate(64);
            fetched.position(5).put(new byte[]{(byte)offset, 1, 2, 3}).flip().position(5); // a view inside Kafka's bytes
            zero.add(record(0, offset, fetched));
        }
        records.put(new TopicPartition(TOPIC, 0), zero);
        records.put(new TopicPartition(TOPIC, 3), List.of(
            record(3, 40, ByteBuffer.allocate(DataBuffer.MAX_FRAME_LENGTH + 1)),
            record(3, 41, ByteBuffer.allocateDirect(4).put(0, (byte)41))));
        return new ConsumerRecords<>(records, Map.of());
    }

    @Test
    void laysOutEachRecordsFrameAndHeadersAndMarksOneThatIsNoFrame()
    {
        final FetchedPoll poll = new FetchedPoll(8);
        poll.fill(poll(), new FrameHeaders());

        assertThat(poll.count).isEqualTo(5);
        assertThat(poll.frame[0][poll.frameOffset[0]]).isEqualTo((byte)10);
        assertThat(poll.frameOffset[0]).isEqualTo(5);
        assertThat(poll.frameLength[0]).isEqualTo(4);
        assertThat(poll.timestampNs[2]).isEqualTo(12_007L);
        assertThat(poll.linkType[1]).isEqualTo(113);
        assertThat(poll.originalLength[1]).isEqualTo(1500);
        assertThat(poll.frame[3]).as("longer than a slot").isNull();
        assertThat(poll.frame[4][poll.frameOffset[4]]).as("a direct value, copied").isEqualTo((byte)41);
    }

    @Test
    void commitsOnlyAfterTheRecordsTheGraphFinished()
    {
        final FetchedPoll poll = new FetchedPoll(8);
        poll.fill(poll(), new FrameHeaders());
        final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();

        poll.finished = 0;
        poll.finishedOffsetsTo(offsets);
        assertThat(offsets).isEmpty();

        poll.finished = 2; // 0/10 and 0/11 are in the graph, 0/12 is not
        poll.finishedOffsetsTo(offsets);
        assertThat(offsets).containsExactly(Map.entry(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(12)));

        poll.finished = 4; // all of partition 0, and 3/40 (skipped)
        poll.finishedOffsetsTo(offsets);
        assertThat(offsets).containsOnly(
            Map.entry(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(13)),
            Map.entry(new TopicPartition(TOPIC, 3), new OffsetAndMetadata(41)));
    }

    @Test
    void letsGoOfKafkasBytesWhenCleared()
    {
        final FetchedPoll poll = new FetchedPoll(8);
        poll.fill(poll(), new FrameHeaders());
        poll.finished = 5;
        poll.clear();
        assertThat(poll.count).isZero();
        assertThat(poll.finished).isZero();
        assertThat(Arrays.asList(poll.frame)).containsOnlyNulls();
    }
}
