package org.pipesfs.nic.pcap;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.ElementFrame;

import java.nio.ByteOrder;

/**
 * Renders an element as one pcap record: a 16-byte record header built from the DBuf record
 * header, then the whole frame whatever the node's view (all.pcap always carries whole
 * frames): the record's, or the inner frame a node found inside a tunnel. A file has one link
 * type, so an inner raw-IP packet in an Ethernet file gets a 14-byte Ethernet header in front
 * (zero addresses, the EtherType of its IP version); the slot itself is never touched. One
 * instance per reader: it keeps a scratch header so that a record split across reads renders
 * consistently.
 */
public final class PcapRecordFormat implements ElementFormat
{
    private static final int LINK_RAW = 101;
    private static final int ETHERNET_HEADER = 14;
    private static final int ETHER_TYPE_OFFSET = PcapFormat.RECORD_HEADER_LENGTH + 12;

    private final int fileLinkType;
    private final UnsafeBuffer header = new UnsafeBuffer(new byte[PcapFormat.RECORD_HEADER_LENGTH + ETHERNET_HEADER]);

    /** @param fileLinkType the link type in the file's global header. */
    public PcapRecordFormat(final int fileLinkType)
    {
        this.fileLinkType = fileLinkType;
    }

    public int length(
        final DataBuffer data, final long position, final int viewOffset, final int viewLength, final int frameTag)
    {
        return headerLength(data, position, frameTag) + ElementFrame.capturedLength(frameTag, data, position);
    }

    public void copy(
        final DataBuffer data,
        final long position,
        final int viewOffset,
        final int viewLength,
        final int frameTag,
        final int from,
        final MutableDirectBuffer dst,
        final int dstOffset,
        final int length)
    {
        final int headerLength = headerLength(data, position, frameTag);
        int at = from;
        int out = dstOffset;
        int left = length;
        if (at < headerLength)
        {
            fillHeader(data, position, frameTag, headerLength - PcapFormat.RECORD_HEADER_LENGTH);
            final int n = Math.min(left, headerLength - at);
            dst.putBytes(out, header, at, n);
            at += n;
            out += n;
            left -= n;
        }
        if (left > 0)
        {
            data.copyFrame(position, ElementFrame.shift(frameTag) + at - headerLength, dst, out, left);
        }
    }

    /** The record header, and the Ethernet header a raw-IP inner frame needs in an Ethernet file. */
    private int headerLength(final DataBuffer data, final long position, final int frameTag)
    {
        final boolean pseudoEthernet = fileLinkType == PcapFormat.LINKTYPE_ETHERNET
            && ElementFrame.linkType(frameTag, data, position) == LINK_RAW;
        return PcapFormat.RECORD_HEADER_LENGTH + (pseudoEthernet ? ETHERNET_HEADER : 0);
    }

    private void fillHeader(final DataBuffer data, final long position, final int frameTag, final int linkHeader)
    {
        final long ns = data.timestampNs(position);
        final int captured = ElementFrame.capturedLength(frameTag, data, position) + linkHeader;
        final int original = ElementFrame.originalLength(frameTag, data, position) + linkHeader;
        header.putInt(PcapFormat.TS_SECONDS_OFFSET, (int)(ns / 1_000_000_000L), ByteOrder.LITTLE_ENDIAN);
        header.putInt(PcapFormat.TS_FRACTION_OFFSET, (int)(ns % 1_000_000_000L), ByteOrder.LITTLE_ENDIAN);
        header.putInt(PcapFormat.CAPTURED_LENGTH_OFFSET, captured, ByteOrder.LITTLE_ENDIAN);
        header.putInt(PcapFormat.ORIGINAL_LENGTH_OFFSET, original, ByteOrder.LITTLE_ENDIAN);
        if (linkHeader > 0)
        {
            header.setMemory(PcapFormat.RECORD_HEADER_LENGTH, 12, (byte)0);
            final int version = captured > linkHeader
                ? (data.buffer().getByte(data.frameOffset(position) + ElementFrame.shift(frameTag)) & 0xf0) >>> 4 : 0;
            header.putShort(ETHER_TYPE_OFFSET, (short)(version == 6 ? 0x86dd : 0x0800), ByteOrder.BIG_ENDIAN);
        }
    }
}
