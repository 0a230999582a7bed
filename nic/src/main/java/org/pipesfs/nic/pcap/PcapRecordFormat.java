package org.pipesfs.nic.pcap;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;

import java.nio.ByteOrder;

/**
 * Renders an element as one pcap record: a 16-byte record header built from the DBuf record
 * header, then the whole original frame whatever the node's view (all.pcap always
 * carries whole frames). One instance per reader: it keeps a 16-byte scratch header so that a
 * record split across reads renders consistently.
 */
public final class PcapRecordFormat implements ElementFormat
{
    private final UnsafeBuffer header = new UnsafeBuffer(new byte[PcapFormat.RECORD_HEADER_LENGTH]);

    public int length(final DataBuffer data, final long position, final int viewOffset, final int viewLength)
    {
        return PcapFormat.RECORD_HEADER_LENGTH + data.capturedLength(position);
    }

    public void copy(
        final DataBuffer data,
        final long position,
        final int viewOffset,
        final int viewLength,
        final int from,
        final MutableDirectBuffer dst,
        final int dstOffset,
        final int length)
    {
        int at = from;
        int out = dstOffset;
        int left = length;
        if (at < PcapFormat.RECORD_HEADER_LENGTH)
        {
            fillHeader(data, position);
            final int n = Math.min(left, PcapFormat.RECORD_HEADER_LENGTH - at);
            dst.putBytes(out, header, at, n);
            at += n;
            out += n;
            left -= n;
        }
        if (left > 0)
        {
            data.copyFrame(position, at - PcapFormat.RECORD_HEADER_LENGTH, dst, out, left);
        }
    }

    private void fillHeader(final DataBuffer data, final long position)
    {
        final long ns = data.timestampNs(position);
        final int captured = data.capturedLength(position);
        header.putInt(PcapFormat.TS_SECONDS_OFFSET, (int)(ns / 1_000_000_000L), ByteOrder.LITTLE_ENDIAN);
        header.putInt(PcapFormat.TS_FRACTION_OFFSET, (int)(ns % 1_000_000_000L), ByteOrder.LITTLE_ENDIAN);
        header.putInt(PcapFormat.CAPTURED_LENGTH_OFFSET, captured, ByteOrder.LITTLE_ENDIAN);
        header.putInt(
            PcapFormat.ORIGINAL_LENGTH_OFFSET, Math.max(captured, data.originalLength(position)), ByteOrder.LITTLE_ENDIAN);
    }
}
