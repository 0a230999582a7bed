package org.pipesfs.nic.pcap;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;

import java.nio.ByteOrder;

/**
 * Parses a classic pcap stream that arrives in arbitrary pieces, as the writes to a node's
 * {@code all.pcap} do ({@code tcpdump -w - | ...}, {@code cat file.pcap > all.pcap}): the global
 * header, then records, either of which may be split across pieces. Whole records inside a
 * piece are handed on where they lie; only a record split across pieces is gathered in a
 * buffer of its own first.
 *
 * <p>Both byte orders and both timestamp resolutions are accepted. A stream that is not pcap
 * (pcapng included), or a record longer than {@link DataBuffer#MAX_FRAME_LENGTH}, is
 * malformed: {@link #accept} reports it, every record before it has already been handed on,
 * and the parser refuses everything after it.
 *
 * <p>Thread rules: one writer at a time; not thread-safe.
 */
public final class PcapStreamParser
{
    /** Receives each whole record. */
    @FunctionalInterface
    public interface RecordHandler
    {
        /**
         * @return false to stop parsing now (the writer was interrupted); the rest of the piece
         *         is dropped.
         */
        boolean onRecord(DirectBuffer buffer, int offset, int capturedLength, int originalLength, long timestampNs, int linkType);
    }

    /** Result of {@link #accept}: every byte taken. */
    public static final int OK = 0;
    /** The stream is not a valid pcap stream. */
    public static final int MALFORMED = -1;
    /** The handler asked to stop. */
    public static final int STOPPED = -2;

    private static final int MAX_RECORD = PcapFormat.RECORD_HEADER_LENGTH + DataBuffer.MAX_FRAME_LENGTH;

    private final UnsafeBuffer pending = new UnsafeBuffer(new byte[MAX_RECORD]);
    private final UnsafeBuffer piece = new UnsafeBuffer(0, 0);
    private int pendingLength;
    private boolean headerDone;
    private boolean broken;
    private ByteOrder order;
    private boolean nanos;
    private int linkType;
    private String problem = "";

    /** Why the stream was refused, once {@link #accept} has returned {@link #MALFORMED}. */
    public String problem()
    {
        return problem;
    }

    /** Parses {@code length} bytes at native {@code address}. */
    public int accept(final long address, final int length, final RecordHandler handler)
    {
        piece.wrap(address, length);
        return accept(piece, 0, length, handler);
    }

    /** Parses {@code buffer[offset, offset + length)}: the next piece of the stream. */
    public int accept(final DirectBuffer buffer, final int offset, final int length, final RecordHandler handler)
    {
        if (broken)
        {
            return MALFORMED;
        }
        int at = offset;
        final int end = offset + length;
        if (!headerDone)
        {
            final int take = Math.min(PcapFormat.GLOBAL_HEADER_LENGTH - pendingLength, end - at);
            pending.putBytes(pendingLength, buffer, at, take);
            pendingLength += take;
            at += take;
            if (pendingLength < PcapFormat.GLOBAL_HEADER_LENGTH)
            {
                return OK;
            }
            pendingLength = 0;
            if (!readGlobalHeader(pending))
            {
                broken = true;
                return MALFORMED;
            }
            headerDone = true;
        }
        if (pendingLength > 0)
        {
            // Complete the record split across pieces: its header first, then its bytes.
            if (pendingLength < PcapFormat.RECORD_HEADER_LENGTH)
            {
                final int take = Math.min(PcapFormat.RECORD_HEADER_LENGTH - pendingLength, end - at);
                pending.putBytes(pendingLength, buffer, at, take);
                pendingLength += take;
                at += take;
                if (pendingLength < PcapFormat.RECORD_HEADER_LENGTH)
                {
                    return OK;
                }
            }
            final int captured = capturedLength(pending, 0);
            if (captured < 0)
            {
                broken = true;
                return MALFORMED;
            }
            final int take = Math.min(PcapFormat.RECORD_HEADER_LENGTH + captured - pendingLength, end - at);
            pending.putBytes(pendingLength, buffer, at, take);
            pendingLength += take;
            at += take;
            if (pendingLength < PcapFormat.RECORD_HEADER_LENGTH + captured)
            {
                return OK;
            }
            pendingLength = 0;
            if (!emit(pending, 0, captured, handler))
            {
                return STOPPED;
            }
        }
        while (end - at >= PcapFormat.RECORD_HEADER_LENGTH)
        {
            final int captured = capturedLength(buffer, at);
            if (captured < 0)
            {
                broken = true;
                return MALFORMED;
            }
            if (end - at < PcapFormat.RECORD_HEADER_LENGTH + captured)
            {
                break;
            }
            if (!emit(buffer, at, captured, handler))
            {
                return STOPPED;
            }
            at += PcapFormat.RECORD_HEADER_LENGTH + captured;
        }
        pending.putBytes(0, buffer, at, end - at);
        pendingLength = end - at;
        return OK;
    }

    /** The stream's link type, once its global header has been parsed. */
    public int linkType()
    {
        return linkType;
    }

    /** True if the stream so far ends on a record boundary (nothing half-written is held). */
    public boolean isAtBoundary()
    {
        return pendingLength == 0;
    }

    private boolean readGlobalHeader(final DirectBuffer header)
    {
        final int magic = header.getInt(PcapFormat.MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (magic == PcapFormat.MAGIC_MICROS || magic == PcapFormat.MAGIC_NANOS)
        {
            order = ByteOrder.LITTLE_ENDIAN;
        }
        else if (Integer.reverseBytes(magic) == PcapFormat.MAGIC_MICROS || Integer.reverseBytes(magic) == PcapFormat.MAGIC_NANOS)
        {
            order = ByteOrder.BIG_ENDIAN;
        }
        else
        {
            problem = magic == 0x0a0d0d0a
                ? "pcapng is not accepted on all.pcap; write classic pcap (tcpdump -w, editcap -F pcap)"
                : String.format("not a pcap stream: magic 0x%08x", magic);
            return false;
        }
        nanos = header.getInt(PcapFormat.MAGIC_OFFSET, order) == PcapFormat.MAGIC_NANOS;
        final int major = header.getShort(PcapFormat.VERSION_MAJOR_OFFSET, order);
        if (major != 2)
        {
            problem = "unsupported pcap version " + major;
            return false;
        }
        linkType = header.getInt(PcapFormat.LINK_TYPE_OFFSET, order) & 0x0fff_ffff;
        return true;
    }

    /** The record's captured length, or -1 (with {@link #problem()} set) if it is impossible. */
    private int capturedLength(final DirectBuffer buffer, final int at)
    {
        final int captured = buffer.getInt(at + PcapFormat.CAPTURED_LENGTH_OFFSET, order);
        if (captured < 0 || captured > DataBuffer.MAX_FRAME_LENGTH)
        {
            problem = "record of " + Integer.toUnsignedString(captured) + " bytes: more than "
                + DataBuffer.MAX_FRAME_LENGTH + " is not a packet";
            return -1;
        }
        return captured;
    }

    private boolean emit(final DirectBuffer buffer, final int at, final int captured, final RecordHandler handler)
    {
        final long seconds = Integer.toUnsignedLong(buffer.getInt(at + PcapFormat.TS_SECONDS_OFFSET, order));
        final long fraction = Integer.toUnsignedLong(buffer.getInt(at + PcapFormat.TS_FRACTION_OFFSET, order));
        final long timestampNs = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L);
        final int original = buffer.getInt(at + PcapFormat.ORIGINAL_LENGTH_OFFSET, order);
        return handler.onRecord(buffer, at + PcapFormat.RECORD_HEADER_LENGTH, captured, original, timestampNs, linkType);
    }
}
