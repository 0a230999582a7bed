package org.pipesfs.nic.kafka;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the three {@link KafkaFrameRecord} headers of a consumed record where Kafka parsed
 * them. Kafka's {@link Header#key()} and {@link Header#value()} each take a lock and copy the
 * bytes into a new String or array the first time they are asked; importing 100-byte records,
 * that was two fifths of the thread that read them. A header Kafka made as it read a record keeps its
 * key and value as buffers over the fetched bytes, and this compares and reads those in place.
 * They are private fields of Kafka's {@code RecordHeader}, found in the private list of its
 * {@code RecordHeaders} (walking that list makes no iterator per record): with a Kafka that has
 * no such fields, or for a header already decoded, it asks the public methods instead, with
 * the same result.
 * As {@code Headers.lastHeader}, the last header of a name wins; a missing header, or one of
 * the wrong length, leaves the value the caller gave.
 *
 * <p>Thread rule: one thread, the fetch thread, which reads each record as it lays out its poll.
 */
final class FrameHeaders
{
    private static final byte[] TIMESTAMP_NS = KafkaFrameRecord.TIMESTAMP_NS.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINK_TYPE = KafkaFrameRecord.LINK_TYPE.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ORIGINAL_LENGTH = KafkaFrameRecord.ORIGINAL_LENGTH.getBytes(StandardCharsets.US_ASCII);
    private static final VarHandle KEY_BUFFER;
    private static final VarHandle VALUE_BUFFER;
    private static final VarHandle HEADER_LIST;

    static
    {
        VarHandle key = null;
        VarHandle value = null;
        VarHandle list = null;
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(RecordHeader.class, MethodHandles.lookup());
            key = lookup.findVarHandle(RecordHeader.class, "keyBuffer", ByteBuffer.class);
            value = lookup.findVarHandle(RecordHeader.class, "valueBuffer", ByteBuffer.class);
            list = MethodHandles.privateLookupIn(RecordHeaders.class, MethodHandles.lookup())
                .findVarHandle(RecordHeaders.class, "headers", List.class);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            key = null; // another Kafka: the public methods serve
            value = null;
            list = null;
        }
        KEY_BUFFER = key;
        VALUE_BUFFER = value;
        HEADER_LIST = list;
    }

    private long timestampNs;
    private int linkType;
    private int originalLength;

    /** Reads {@code headers}; each field keeps the given value unless a header of its name and size says otherwise. */
    void read(final Headers headers, final long timestampNs, final int linkType, final int originalLength)
    {
        this.timestampNs = timestampNs;
        this.linkType = linkType;
        this.originalLength = originalLength;
        if (HEADER_LIST != null && headers instanceof RecordHeaders)
        {
            @SuppressWarnings("unchecked")
            final List<Header> list = (List<Header>)HEADER_LIST.get((RecordHeaders)headers);
            for (int i = 0, n = list.size(); i < n; i++)
            {
                read(list.get(i));
            }
        }
        else
        {
            for (final Header header : headers)
            {
                read(header);
            }
        }
    }

    private void read(final Header header)
    {
        final ByteBuffer key = KEY_BUFFER == null || !(header instanceof RecordHeader) ? null
            : (ByteBuffer)KEY_BUFFER.get((RecordHeader)header);
        final ByteBuffer value = key == null ? null : (ByteBuffer)VALUE_BUFFER.getVolatile((RecordHeader)header);
        if (value != null)
        {
            readInPlace(key, value);
        }
        else
        {
            readDecoded(header.key(), header.value());
        }
    }

    long timestampNs()
    {
        return timestampNs;
    }

    int linkType()
    {
        return linkType;
    }

    int originalLength()
    {
        return originalLength;
    }

    private void readInPlace(final ByteBuffer key, final ByteBuffer value)
    {
        final int at = value.position();
        final int length = value.remaining();
        if (length == Long.BYTES)
        {
            if (is(key, TIMESTAMP_NS))
            {
                timestampNs = value.getLong(at);
            }
        }
        else if (length == Integer.BYTES)
        {
            if (is(key, LINK_TYPE))
            {
                linkType = value.getInt(at);
            }
            else if (is(key, ORIGINAL_LENGTH))
            {
                originalLength = value.getInt(at);
            }
        }
    }

    private void readDecoded(final String key, final byte[] value)
    {
        switch (key)
        {
            case KafkaFrameRecord.TIMESTAMP_NS -> timestampNs = KafkaFrameRecord.bigEndian(value, Long.BYTES, timestampNs);
            case KafkaFrameRecord.LINK_TYPE -> linkType = (int)KafkaFrameRecord.bigEndian(value, Integer.BYTES, linkType);
            case KafkaFrameRecord.ORIGINAL_LENGTH ->
                originalLength = (int)KafkaFrameRecord.bigEndian(value, Integer.BYTES, originalLength);
            default ->
            {
                // not ours: left to other readers
            }
        }
    }

    private static boolean is(final ByteBuffer key, final byte[] name)
    {
        final int at = key.position();
        if (key.remaining() != name.length)
        {
            return false;
        }
        if (key.hasArray()) // as Kafka's are: one compare of the array, not a checked get per byte
        {
            final int from = key.arrayOffset() + at;
            return Arrays.equals(key.array(), from, from + name.length, name, 0, name.length);
        }
        for (int i = 0; i < name.length; i++)
        {
            if (key.get(at + i) != name[i])
            {
                return false;
            }
        }
        return true;
    }
}
