package org.pipesfs.nic.kafka;

import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class FrameHeadersTest
{
    private static final long NS = 1_700_000_000_123_456_789L;

    /**
     * A header as Kafka's consumer makes it: key and value are views into the fetched bytes
     * (here not sliced, so that they start at a position other than 0).
     */
    private static RecordHeader parsed(final String key, final byte[] value)
    {
        final ByteBuffer fetched = ByteBuffer.allocate(64);
        fetched.position(7); // not at the start of the fetch, as in a real batch
        fetched.put(key.getBytes(StandardCharsets.US_ASCII)).put(value);
        final ByteBuffer keyView = fetched.duplicate().position(7).limit(7 + key.length());
        final ByteBuffer valueView = fetched.duplicate().limit(7 + key.length() + value.length).position(7 + key.length());
        return new RecordHeader(keyView, valueView);
    }

    private static RecordHeaders exported(final boolean asParsed)
    {
        final RecordHeaders headers = new RecordHeaders();
        final String[] keys = {KafkaFrameRecord.TIMESTAMP_NS, "other", KafkaFrameRecord.LINK_TYPE, KafkaFrameRecord.ORIGINAL_LENGTH};
        final byte[][] values = {KafkaFrameRecord.bigEndian(NS, 8), new byte[]{1, 2, 3, 4}, KafkaFrameRecord.bigEndian(228, 4),
            KafkaFrameRecord.bigEndian(9000, 4)};
        for (int i = 0; i < keys.length; i++)
        {
            headers.add(asParsed ? parsed(keys[i], values[i]) : new RecordHeader(keys[i], values[i]));
        }
        return headers;
    }

    private static void assertReadsTheExportedValues(final RecordHeaders headers)
    {
        final FrameHeaders frame = new FrameHeaders();
        frame.read(headers, 5L, 1, 100);
        assertThat(frame.timestampNs()).isEqualTo(NS);
        assertThat(frame.linkType()).isEqualTo(228);
        assertThat(frame.originalLength()).isEqualTo(9000);
    }

    @Test
    void readsTheThreeHeadersOfAConsumedRecordInPlace()
    {
        assertReadsTheExportedValues(exported(true));
    }

    @Test
    void readsHeadersMadeByTheProducerApiTheSameWay()
    {
        assertReadsTheExportedValues(exported(false));
    }

    @Test
    void agreesWithKafkasOwnLookupAndLeavesTheHeadersReadable()
    {
        final RecordHeaders headers = exported(true);
        new FrameHeaders().read(headers, 5L, 1, 100);
        assertThat(KafkaFrameRecord.bigEndian(headers.lastHeader(KafkaFrameRecord.TIMESTAMP_NS).value(), 8, -1)).isEqualTo(NS);
        assertThat(headers.lastHeader("other").value()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void theLastHeaderOfANameWinsAndAWrongSizeOrAMissingOneKeepsTheDefault()
    {
        final RecordHeaders headers = new RecordHeaders();
        headers.add(parsed(KafkaFrameRecord.LINK_TYPE, KafkaFrameRecord.bigEndian(101, 4)));
        headers.add(parsed(KafkaFrameRecord.LINK_TYPE, KafkaFrameRecord.bigEndian(113, 4)));
        headers.add(parsed(KafkaFrameRecord.TIMESTAMP_NS, new byte[]{1, 2, 3})); // not 8 bytes
        headers.add(new RecordHeader(KafkaFrameRecord.ORIGINAL_LENGTH, null));
        final FrameHeaders frame = new FrameHeaders();
        frame.read(headers, 5_000_000L, 1, 100);
        assertThat(frame.linkType()).isEqualTo(113);
        assertThat(frame.timestampNs()).isEqualTo(5_000_000L);
        assertThat(frame.originalLength()).isEqualTo(100);

        frame.read(new RecordHeaders(), 7L, 1, 60);
        assertThat(frame.timestampNs()).isEqualTo(7L);
        assertThat(frame.linkType()).isEqualTo(1);
        assertThat(frame.originalLength()).isEqualTo(60);
    }

    @Test
    void aHeaderWhoseKeyWasAlreadyDecodedIsReadThroughKafkasMethods()
    {
        final RecordHeaders headers = exported(true);
        headers.forEach(header -> header.key()); // as a lastHeader lookup leaves them
        headers.forEach(header -> header.value());
        assertReadsTheExportedValues(headers);
    }
}
