package org.pipesfs.nic.pcap;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Reads classic pcap files: either byte order, microsecond or nanosecond timestamps (layout in
 * {@link PcapFormat}). The link type's upper bits (FCS flags) are masked off.
 */
final class PcapReader extends RecordCursor
{
    private final ByteOrder order;
    private final long fractionToNs;

    PcapReader(final Path file, final FileWindow window, final int bigEndianMagic)
    {
        super(file, window, PcapFormat.GLOBAL_HEADER_LENGTH);
        final int swapped = Integer.reverseBytes(bigEndianMagic);
        if (bigEndianMagic == PcapFormat.MAGIC_MICROS || bigEndianMagic == PcapFormat.MAGIC_NANOS)
        {
            order = ByteOrder.BIG_ENDIAN;
        }
        else if (swapped == PcapFormat.MAGIC_MICROS || swapped == PcapFormat.MAGIC_NANOS)
        {
            order = ByteOrder.LITTLE_ENDIAN;
        }
        else
        {
            throw new CaptureFormatException(file + ": not a pcap or pcapng file (magic 0x"
                + Integer.toHexString(bigEndianMagic) + ")");
        }
        final int header = window.ensure(0, PcapFormat.GLOBAL_HEADER_LENGTH);
        if (header < 0)
        {
            throw new CaptureFormatException(file + ": truncated pcap global header (" + window.size() + " of 24 bytes)");
        }
        final DirectBuffer b = window.buffer();
        final int magic = b.getInt(header, order);
        fractionToNs = magic == PcapFormat.MAGIC_NANOS ? 1 : 1000;
        final int major = b.getShort(header + PcapFormat.VERSION_MAJOR_OFFSET, order);
        if (major != 2)
        {
            throw new CaptureFormatException(file + ": unsupported pcap version " + major);
        }
        linkType = b.getInt(header + PcapFormat.LINK_TYPE_OFFSET, order) & 0xffff;
    }

    public boolean next()
    {
        if (truncation != null)
        {
            return false;
        }
        if (position == window.size())
        {
            return false;
        }
        final int header = window.ensure(position, PcapFormat.RECORD_HEADER_LENGTH);
        if (header < 0)
        {
            return truncated("record header", PcapFormat.RECORD_HEADER_LENGTH);
        }
        final DirectBuffer b = window.buffer();
        final long seconds = b.getInt(header + PcapFormat.TS_SECONDS_OFFSET, order) & 0xffffffffL;
        final long fraction = b.getInt(header + PcapFormat.TS_FRACTION_OFFSET, order) & 0xffffffffL;
        final int capturedLength = b.getInt(header + PcapFormat.CAPTURED_LENGTH_OFFSET, order);
        final int originalLength = b.getInt(header + PcapFormat.ORIGINAL_LENGTH_OFFSET, order);
        if (capturedLength < 0 || capturedLength > MAX_RECORD)
        {
            throw new CaptureFormatException(file + ": record " + (records + 1) + " at offset " + position
                + " claims " + (capturedLength & 0xffffffffL) + " captured bytes (more than " + MAX_RECORD + ")");
        }
        final int data = window.ensure(position, PcapFormat.RECORD_HEADER_LENGTH + capturedLength);
        if (data < 0)
        {
            return truncated("record", PcapFormat.RECORD_HEADER_LENGTH + capturedLength);
        }
        offset = data + PcapFormat.RECORD_HEADER_LENGTH;
        captured = capturedLength;
        original = originalLength < 0 ? Integer.MAX_VALUE : Math.max(originalLength, capturedLength);
        timestampNs = seconds * 1_000_000_000L + fraction * fractionToNs;
        position += PcapFormat.RECORD_HEADER_LENGTH + capturedLength;
        records++;
        return true;
    }

    public int primaryLinkType()
    {
        return linkType;
    }
}
