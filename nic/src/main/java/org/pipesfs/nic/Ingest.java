package org.pipesfs.nic;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;

/**
 * The one way a frame enters a mount: claim room in the data buffer for the source's current
 * record, let the source write the frame there (its only copy), commit the record's header,
 * and hand it to the sink. Every source is a cursor over its records ({@link Record}) that
 * calls this step; none writes its own claim, copy and commit.
 *
 * <p>Thread rule: the producer thread only, like the data buffer's claim and commit.
 */
public final class Ingest
{
    /** A source's current record, as the ingest step needs it. */
    public interface Record
    {
        /** The most frame bytes the record can take: the room claimed for it. */
        int maxLength();

        /**
         * Writes the frame at {@code offset} in {@code frames}, in at most {@code room} bytes (what
         * {@link #maxLength} gave and was claimed), and returns its captured length.
         */
        int writeTo(UnsafeBuffer frames, int offset, int room);

        /** Its length on the wire, given what was captured. */
        int originalLength(int captured);

        long timestampNs();

        int linkType();
    }

    /**
     * A record whose frame lies in bytes the source has already read (a chunk of a stream, a
     * Kafka record's value): the source says where with {@link #set}, the ingest step copies it
     * into its slot. It counts what it wrote. One per source; producer thread only.
     */
    public static final class Copied implements Record
    {
        private final UnsafeBuffer array = new UnsafeBuffer(0, 0);
        private DirectBuffer from;
        private int offset;
        private int captured;
        private int original;
        private long timestampNs;
        private int linkType;
        private long packets;
        private long bytes;

        /** The next frame: {@code captured} bytes at {@code offset} in {@code buffer}. */
        public Copied set(
            final DirectBuffer buffer, final int offset, final int captured, final int original, final long timestampNs,
            final int linkType)
        {
            this.from = buffer;
            this.offset = offset;
            this.captured = captured;
            this.original = original;
            this.timestampNs = timestampNs;
            this.linkType = linkType;
            return this;
        }

        /** The next frame: {@code captured} bytes at {@code offset} in {@code frame}, not copied here. */
        public Copied set(
            final byte[] frame, final int offset, final int captured, final int original, final long timestampNs,
            final int linkType)
        {
            array.wrap(frame);
            return set(array, offset, captured, original, timestampNs, linkType);
        }

        public int maxLength()
        {
            return captured;
        }

        public int writeTo(final UnsafeBuffer frames, final int at, final int room)
        {
            frames.putBytes(at, from, offset, room);
            packets++;
            bytes += room;
            return room;
        }

        public int originalLength(final int capturedLength)
        {
            return original;
        }

        public long timestampNs()
        {
            return timestampNs;
        }

        public int linkType()
        {
            return linkType;
        }

        /** Frames written so far. */
        public long packets()
        {
            return packets;
        }

        /** Frame bytes written so far. */
        public long bytes()
        {
            return bytes;
        }
    }

    private Ingest()
    {
    }

    /**
     * Takes {@code record} into {@code data} and offers it to {@code sink}.
     *
     * @return false if the buffer closed before the record was claimed, or the sink wants no
     *         more frames; the producer then stops.
     */
    public static boolean one(final DataBuffer data, final FrameSink sink, final Record record)
    {
        final int room = record.maxLength();
        final long position = data.claim(room);
        if (position < 0)
        {
            return false;
        }
        final int captured = record.writeTo(data.buffer(), data.frameOffset(position), room);
        final long sequence = data.commit(
            position, captured, record.originalLength(captured), record.timestampNs(), record.linkType());
        return sink.onFrame(position, sequence, captured);
    }
}
