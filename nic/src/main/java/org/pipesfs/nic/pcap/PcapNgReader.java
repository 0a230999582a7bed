package org.pipesfs.nic.pcap;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Reads pcapng: Section Header, Interface Description, Enhanced Packet, Simple Packet and
 * the obsolete Packet block. Unknown blocks are skipped. Each section sets its own byte
 * order and interfaces; each interface has its own link type, snap length and timestamp
 * resolution ({@code if_tsresol}) and offset ({@code if_tsoffset}).
 *
 * <pre>
 * Every block:                  EPB body:                    IDB body:
 *   0  block type                 0  interface id              0  link type (16)
 *   4  block total length         4  timestamp high            2  reserved  (16)
 *   8  body ...                   8  timestamp low             4  snap length
 *  -4  block total length        12  captured length           8  options ...
 *                                16  original length
 *                                20  frame (padded to 4)
 * </pre>
 */
final class PcapNgReader extends RecordCursor
{
    static final int SHB_TYPE = 0x0A0D0D0A;
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    static final int IDB_TYPE = 1;
    static final int PB_TYPE = 2;
    static final int SPB_TYPE = 3;
    static final int EPB_TYPE = 6;
    static final int BLOCK_HEADER = 8;
    static final int BLOCK_TRAILER = 4;
    static final int OPT_END = 0;
    static final int OPT_TSRESOL = 9;
    static final int OPT_TSOFFSET = 14;
    private static final int MAX_INTERFACES = 1024;
    private static final int MAX_BLOCK = FileWindow.CAPACITY;

    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    private final int[] linkTypes = new int[MAX_INTERFACES];
    private final int[] snapLengths = new int[MAX_INTERFACES];
    private final int[] resolutions = new int[MAX_INTERFACES];
    private final long[] offsetsNs = new long[MAX_INTERFACES];
    private int interfaces;
    private int primaryLinkType = -1;

    PcapNgReader(final Path file, final FileWindow window)
    {
        super(file, window, 0); // a pass starts by reading the section header again
        if (window.ensure(0, 12) < 0)
        {
            throw new CaptureFormatException(file + ": truncated pcapng section header");
        }
        readSectionHeader();
    }

    public boolean next()
    {
        while (truncation == null && position < window.size())
        {
            final int header = window.ensure(position, BLOCK_HEADER);
            if (header < 0)
            {
                return truncated("block header", BLOCK_HEADER);
            }
            final DirectBuffer b = window.buffer();
            final int type = b.getInt(header, order);
            if (type == SHB_TYPE)
            {
                readSectionHeader();
                continue;
            }
            final int length = b.getInt(header + 4, order);
            if (length < BLOCK_HEADER + BLOCK_TRAILER || (length & 3) != 0 || length > MAX_BLOCK)
            {
                throw corrupt("block of type " + type + " has invalid length " + (length & 0xffffffffL));
            }
            final int block = window.ensure(position, length);
            if (block < 0)
            {
                return truncated("block", length);
            }
            if (b.getInt(block + length - BLOCK_TRAILER, order) != length)
            {
                throw corrupt("block of type " + type + ": trailing length does not match " + length);
            }
            final long blockPosition = position;
            position += length;
            final int body = block + BLOCK_HEADER;
            final int bodyLength = length - BLOCK_HEADER - BLOCK_TRAILER;
            switch (type)
            {
                case IDB_TYPE -> readInterface(body, bodyLength);
                case EPB_TYPE -> {
                    if (readPacket(body, bodyLength, b.getInt(body, order), 4, blockPosition))
                    {
                        return true;
                    }
                }
                case PB_TYPE -> {
                    if (readPacket(body, bodyLength, b.getShort(body, order) & 0xffff, 4, blockPosition))
                    {
                        return true;
                    }
                }
                case SPB_TYPE -> {
                    if (readSimplePacket(body, bodyLength))
                    {
                        return true;
                    }
                }
                default -> {
                    // unknown or uninteresting block (NRB, ISB, DSB, custom): skip it
                }
            }
        }
        return false;
    }

    private void readSectionHeader()
    {
        final int at = window.ensure(position, 28);
        if (at < 0)
        {
            truncated("section header block", 28);
            return;
        }
        final DirectBuffer b = window.buffer();
        final int magic = b.getInt(at + 8, ByteOrder.BIG_ENDIAN);
        if (magic == BYTE_ORDER_MAGIC)
        {
            order = ByteOrder.BIG_ENDIAN;
        }
        else if (Integer.reverseBytes(magic) == BYTE_ORDER_MAGIC)
        {
            order = ByteOrder.LITTLE_ENDIAN;
        }
        else
        {
            throw corrupt("section header has bad byte-order magic 0x" + Integer.toHexString(magic));
        }
        final int length = b.getInt(at + 4, order);
        if (length < 28 || (length & 3) != 0 || length > MAX_BLOCK)
        {
            throw corrupt("section header has invalid length " + (length & 0xffffffffL));
        }
        final int major = b.getShort(at + 12, order);
        if (major != 1)
        {
            throw corrupt("unsupported pcapng version " + major);
        }
        if (window.ensure(position, length) < 0)
        {
            truncated("section header block", length);
            return;
        }
        interfaces = 0;
        position += length;
    }

    private void readInterface(final int body, final int bodyLength)
    {
        if (bodyLength < 8)
        {
            throw corrupt("interface description block is too short");
        }
        if (interfaces == MAX_INTERFACES)
        {
            throw corrupt("more than " + MAX_INTERFACES + " interfaces in one section");
        }
        final DirectBuffer b = window.buffer();
        final int id = interfaces++;
        linkTypes[id] = b.getShort(body, order) & 0xffff;
        snapLengths[id] = b.getInt(body + 4, order);
        resolutions[id] = 6;
        offsetsNs[id] = 0;
        if (primaryLinkType < 0)
        {
            primaryLinkType = linkTypes[id];
        }
        int option = body + 8;
        final int end = body + bodyLength;
        while (option + 4 <= end)
        {
            final int code = b.getShort(option, order) & 0xffff;
            final int length = b.getShort(option + 2, order) & 0xffff;
            if (code == OPT_END || option + 4 + length > end)
            {
                break;
            }
            if (code == OPT_TSRESOL && length >= 1)
            {
                resolutions[id] = b.getByte(option + 4) & 0xff;
            }
            else if (code == OPT_TSOFFSET && length >= 8)
            {
                offsetsNs[id] = b.getLong(option + 4, order) * 1_000_000_000L;
            }
            option += 4 + ((length + 3) & ~3);
        }
    }

    /** EPB and obsolete PB: id, ts high, ts low, caplen, origlen, data from {@code idLength + 16}. */
    private boolean readPacket(final int body, final int bodyLength, final int id, final int idLength, final long at)
    {
        if (bodyLength < idLength + 16)
        {
            throw corrupt("packet block at offset " + at + " is too short");
        }
        final DirectBuffer b = window.buffer();
        final long high = b.getInt(body + idLength, order) & 0xffffffffL;
        final long low = b.getInt(body + idLength + 4, order) & 0xffffffffL;
        final int capturedLength = b.getInt(body + idLength + 8, order);
        final int originalLength = b.getInt(body + idLength + 12, order);
        if (id < 0 || id >= interfaces)
        {
            throw corrupt("packet block at offset " + at + " names interface " + id + " of " + interfaces);
        }
        if (capturedLength < 0 || capturedLength > bodyLength - idLength - 16)
        {
            throw corrupt("packet block at offset " + at + " claims " + (capturedLength & 0xffffffffL)
                + " captured bytes in a " + bodyLength + "-byte body");
        }
        return emit(body + idLength + 16, capturedLength, originalLength, id, timestamp(id, (high << 32) | low));
    }

    private boolean readSimplePacket(final int body, final int bodyLength)
    {
        if (bodyLength < 4 || interfaces == 0)
        {
            throw corrupt("simple packet block without an interface or body");
        }
        final int originalLength = window.buffer().getInt(body, order);
        int capturedLength = Math.min(bodyLength - 4, originalLength < 0 ? Integer.MAX_VALUE : originalLength);
        if (snapLengths[0] > 0)
        {
            capturedLength = Math.min(capturedLength, snapLengths[0]);
        }
        return emit(body + 4, capturedLength, originalLength, 0, 0);
    }

    private boolean emit(final int data, final int capturedLength, final int originalLength, final int id, final long ns)
    {
        offset = data;
        captured = Math.min(capturedLength, MAX_RECORD);
        original = originalLength < 0 ? Integer.MAX_VALUE : Math.max(originalLength, captured);
        linkType = linkTypes[id];
        timestampNs = ns;
        records++;
        return true;
    }

    private long timestamp(final int id, final long units)
    {
        final int resolution = resolutions[id];
        final long ns;
        if ((resolution & 0x80) != 0)
        {
            final int shift = Math.min(resolution & 0x7f, 63);
            ns = (units >>> shift) * 1_000_000_000L + (((units & ((1L << shift) - 1)) * 1_000_000_000L) >>> shift);
        }
        else if (resolution <= 9)
        {
            long scale = 1;
            for (int i = resolution; i < 9; i++)
            {
                scale *= 10;
            }
            ns = units * scale;
        }
        else
        {
            long scale = 1;
            for (int i = 9; i < Math.min(resolution, 27); i++)
            {
                scale *= 10;
            }
            ns = units / scale;
        }
        return ns + offsetsNs[id];
    }

    private CaptureFormatException corrupt(final String why)
    {
        return new CaptureFormatException(file + ": corrupt pcapng: " + why);
    }

    public int primaryLinkType()
    {
        return primaryLinkType < 0 ? PcapFormat.LINKTYPE_ETHERNET : primaryLinkType;
    }
}
