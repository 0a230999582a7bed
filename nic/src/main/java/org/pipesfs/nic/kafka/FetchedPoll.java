package org.pipesfs.nic.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.nic.pcap.PcapFormat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * One poll's records laid flat for the source thread: per record, where its frame lies (the
 * bytes Kafka parsed it into, not copied), its capture time, link type and original length
 * from the headers, and its partition and offset. The fetch thread reads each record's headers
 * while the poll it has just parsed is still in its cache; the source thread then walks plain
 * arrays and touches nothing of a record but its frame bytes, which is most of what moving
 * the parse off the source thread gains.
 *
 * <p>Thread rule: one owner at a time. The fetch thread fills it and hands it over through a
 * queue; the source thread places records {@code [finished, count)} and hands it back through
 * another; the fetch thread takes the offsets to commit from it and fills it again.
 */
final class FetchedPoll
{
    final int capacity;
    /** A record's frame bytes, or null if it is not a frame (no value, or longer than a slot). */
    final byte[][] frame;
    final int[] frameOffset;
    final int[] frameLength;
    final int[] originalLength;
    final int[] linkType;
    final long[] timestampNs;
    private final int[] partition;
    private final long[] offset;
    private String topic;
    /** Records in this poll. */
    int count;
    /** Records {@code [0, finished)} are in the graph or skipped: the source thread's progress. */
    int finished;

    FetchedPoll(final int capacity)
    {
        this.capacity = capacity;
        frame = new byte[capacity][];
        frameOffset = new int[capacity];
        frameLength = new int[capacity];
        originalLength = new int[capacity];
        linkType = new int[capacity];
        timestampNs = new long[capacity];
        partition = new int[capacity];
        offset = new long[capacity];
    }

    /** Lays out {@code records} (at most {@link #capacity}), reading their headers with {@code headers}. */
    void fill(final ConsumerRecords<ByteBuffer, ByteBuffer> records, final FrameHeaders headers)
    {
        int i = 0;
        for (final ConsumerRecord<ByteBuffer, ByteBuffer> record : records)
        {
            topic = record.topic();
            partition[i] = record.partition();
            offset[i] = record.offset();
            final ByteBuffer value = record.value();
            final int length = value == null ? 0 : value.remaining();
            if (length == 0 || length > DataBuffer.MAX_FRAME_LENGTH)
            {
                frame[i] = null;
            }
            else
            {
                headers.read(record.headers(), record.timestamp() * 1_000_000L, PcapFormat.LINKTYPE_ETHERNET, length);
                if (value.hasArray())
                {
                    frame[i] = value.array();
                    frameOffset[i] = value.arrayOffset() + value.position();
                }
                else
                {
                    frame[i] = new byte[length];
                    value.duplicate().get(frame[i]);
                    frameOffset[i] = 0;
                }
                frameLength[i] = length;
                originalLength[i] = Math.max(length, headers.originalLength());
                linkType[i] = headers.linkType();
                timestampNs[i] = headers.timestampNs();
            }
            i++;
        }
        count = i;
        finished = 0;
    }

    /** Puts into {@code offsets}, per partition, the offset after the last finished record. */
    void finishedOffsetsTo(final Map<TopicPartition, OffsetAndMetadata> offsets)
    {
        for (int i = 0; i < finished; i++)
        {
            if (i + 1 == finished || partition[i + 1] != partition[i]) // a poll's records come partition by partition
            {
                offsets.put(new TopicPartition(topic, partition[i]), new OffsetAndMetadata(offset[i] + 1));
            }
        }
    }

    /** Lets go of the fetched bytes, so a poll waiting for reuse holds no memory of Kafka's. */
    void clear()
    {
        Arrays.fill(frame, 0, count, null);
        count = 0;
        finished = 0;
    }
}
