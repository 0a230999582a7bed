package org.pipesfs.filters;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.filters.decode.PacketView;

import java.nio.ByteOrder;

/**
 * {@code defrag}: whole IP datagrams from fragments, for IPv4 and IPv6 (under {@code ip} or
 * {@code ip6}, or anywhere above them). A packet that is not a fragment passes unchanged, as
 * an index entry. A datagram's fragments cannot be shown in place (their bytes lie in several
 * slots), so they are copied: each fragment's payload into a reassembly area, then the finished
 * frame (the first fragment's link and IP headers, fixed up, and the whole payload) once into
 * the written-elements buffer. That is two copies of each fragmented byte, against none for
 * everything else; {@link #bytesCopied()} counts them.
 *
 * <pre>
 * Reassembly areas: {@link #SLOTS} slots, each allocated once and reused:
 *   key: IP version, source, destination (2 longs each), identification, protocol (IPv4)
 *   frame bytes: link header + IP header of the first fragment, then payload at its offset
 *   bitmap of 8-byte payload blocks received; total payload length once the last fragment is in
 * </pre>
 *
 * Guards, each counted in {@link #dropped()}: overlapping fragments (other than exact repeats,
 * which are ignored) drop their datagram, as Linux and RFC 5722 do; a non-final fragment that
 * is not a multiple of 8 bytes, or a first fragment too short to hold 8 bytes of transport
 * header (the tiny-fragment attack), is dropped with its datagram; a datagram longer than
 * 65535 bytes, or not completed within {@link #TIMEOUT_PACKETS} packets, is dropped; when all
 * slots are busy the oldest datagram gives way. So a flood of fragments costs at most
 * {@link #SLOTS} areas of 64 KiB.
 *
 * <p>Thread rules: the producer thread only, like every filter.
 */
public final class DefragFilter implements Filter.Transform
{
    public static final int SLOTS = 64;
    static final long TIMEOUT_PACKETS = 1 << 16;
    private static final int MAX_PAYLOAD = 65_535;
    private static final int MAX_HEADERS = 256;
    private static final int AREA = MAX_HEADERS + MAX_PAYLOAD;
    private static final int IPV6_FRAGMENT = 44;

    private final String spec;
    private final int version;
    private final byte[] keyVersion = new byte[SLOTS];
    private final long[] srcHi = new long[SLOTS];
    private final long[] srcLo = new long[SLOTS];
    private final long[] dstHi = new long[SLOTS];
    private final long[] dstLo = new long[SLOTS];
    private final long[] ident = new long[SLOTS];
    private final long[] started = new long[SLOTS];
    private final int[] headerLength = new int[SLOTS];
    private final int[] linkType = new int[SLOTS];
    private final int[] networkAt = new int[SLOTS];
    private final int[] totalPayload = new int[SLOTS];
    private final int[] receivedBlocks = new int[SLOTS];
    /** A datagram given up: its later fragments are dropped too, until the slot times out or is needed. */
    private final boolean[] dead = new boolean[SLOTS];
    private final long[][] blocks = new long[SLOTS][];
    private final UnsafeBuffer[] areas = new UnsafeBuffer[SLOTS];

    private long clock;
    private long reassembled;
    private long dropped;
    private long bytesCopied;

    /** @param version 4, 6, or 0 for both. */
    public DefragFilter(final String spec, final int version)
    {
        this.spec = spec;
        this.version = version;
    }

    public String spec()
    {
        return spec;
    }

    public boolean accept(final PacketView packet)
    {
        return false;
    }

    public View view()
    {
        return View.NETWORK;
    }

    /** Datagrams rebuilt from fragments. */
    public long reassembled()
    {
        return reassembled;
    }

    /** Fragments and datagrams dropped by the guards. */
    public long dropped()
    {
        return dropped;
    }

    /** Bytes copied so far (fragment payloads into areas, finished frames into the buffer). */
    public long bytesCopied()
    {
        return bytesCopied;
    }

    /** Datagrams waiting for fragments (given-up ones included, until their slots are reused). */
    public int pending()
    {
        int n = 0;
        for (int slot = 0; slot < SLOTS; slot++)
        {
            n += keyVersion[slot] != 0 ? 1 : 0;
        }
        return n;
    }

    /** Every reassembly area at once, with its block map: the most {@link #memory()} can reach. */
    public long stateBytes()
    {
        return SLOTS * (AREA + (long)Long.BYTES * (((MAX_PAYLOAD + 7 >> 3) + 63) >> 6));
    }

    /** Bytes of reassembly memory allocated: at most {@link #SLOTS} areas. */
    public long memory()
    {
        long bytes = 0;
        for (int slot = 0; slot < SLOTS; slot++)
        {
            bytes += areas[slot] == null ? 0 : AREA + blocks[slot].length * 8L;
        }
        return bytes;
    }

    public long lowestHeld(final int bufferId, final long none)
    {
        return none; // fragments are copied out at once: nothing pins the data buffers
    }

    public void releaseBefore(final int bufferId, final long position, final Filter.Emitter out)
    {
    }

    public boolean holds()
    {
        return false;
    }

    public void transform(
        final PacketView packet,
        final int bufferId,
        final long position,
        final long sequence,
        final int offset,
        final int length,
        final Filter.Emitter out)
    {
        final int v = packet.ipVersion();
        if (v == 0 || (version != 0 && v != version))
        {
            return;
        }
        clock++;
        if (!packet.isFragment())
        {
            out.passThrough(position, sequence, offset, length);
            return;
        }
        if (v == 4)
        {
            fragment4(packet, bufferId, position, out);
        }
        else
        {
            fragment6(packet, bufferId, position, out);
        }
    }

    private void fragment4(final PacketView packet, final int bufferId, final long position, final Filter.Emitter out)
    {
        final DirectBuffer b = packet.buffer();
        final int ip = packet.base() + packet.networkOffset();
        final int ihl = packet.ipHeaderLength();
        final int total = b.getShort(ip + 2, ByteOrder.BIG_ENDIAN) & 0xffff;
        final int flagsAndOffset = b.getShort(ip + 6, ByteOrder.BIG_ENDIAN) & 0xffff;
        final int fragmentOffset = (flagsAndOffset & 0x1fff) * 8;
        final boolean more = (flagsAndOffset & 0x2000) != 0;
        final int payloadLength = Math.min(total, packet.networkEnd() - packet.networkOffset()) - ihl;
        final long id = (b.getShort(ip + 4, ByteOrder.BIG_ENDIAN) & 0xffffL) << 8 | (b.getByte(ip + 9) & 0xff);
        final int slot = slotFor(4, b.getInt(ip + 12) & 0xffffffffL, 0, b.getInt(ip + 16) & 0xffffffffL, 0, id);
        if (dead[slot])
        {
            return;
        }
        if (payloadLength < 0)
        {
            drop(slot);
            return;
        }
        if (fragmentOffset == 0 && headerLength[slot] == 0)
        {
            if (packet.networkOffset() + ihl > MAX_HEADERS)
            {
                drop(slot);
                return;
            }
            copyHeaders(slot, packet, packet.networkOffset() + ihl);
        }
        add(slot, packet, packet.networkOffset() + ihl, payloadLength, fragmentOffset, more, bufferId, position, out);
    }

    private void fragment6(final PacketView packet, final int bufferId, final long position, final Filter.Emitter out)
    {
        final DirectBuffer b = packet.buffer();
        final int l3 = packet.networkOffset();
        final int ip = packet.base() + l3;
        final int end = Math.min(packet.networkEnd(), l3 + 40 + (b.getShort(ip + 4, ByteOrder.BIG_ENDIAN) & 0xffff));
        // Find the fragment header, remembering where the byte naming it is.
        int nextAt = l3 + 6;
        int header = l3 + 40;
        int next = b.getByte(ip + 6) & 0xff;
        while (next != IPV6_FRAGMENT)
        {
            if ((next != 0 && next != 43 && next != 60) || header + 8 > end)
            {
                dropped++;
                return;
            }
            nextAt = header;
            next = b.getByte(packet.base() + header) & 0xff;
            header += ((b.getByte(packet.base() + header + 1) & 0xff) + 1) * 8;
        }
        if (header + 8 > end)
        {
            dropped++;
            return;
        }
        final int at = packet.base() + header;
        final int fields = b.getShort(at + 2, ByteOrder.BIG_ENDIAN) & 0xffff;
        final int fragmentOffset = fields & 0xfff8;
        final boolean more = (fields & 1) != 0;
        final long id = b.getInt(at + 4) & 0xffffffffL;
        final int slot = slotFor(6, b.getLong(ip + 8), b.getLong(ip + 16), b.getLong(ip + 24), b.getLong(ip + 32), id);
        if (dead[slot])
        {
            return;
        }
        if (fragmentOffset == 0 && headerLength[slot] == 0)
        {
            if (header > MAX_HEADERS)
            {
                drop(slot);
                return;
            }
            // The unfragmentable part without the fragment header; its next header takes the
            // fragment header's.
            copyHeaders(slot, packet, header);
            areas[slot].putByte(nextAt, b.getByte(at));
        }
        add(slot, packet, header + 8, end - header - 8, fragmentOffset, more, bufferId, position, out);
    }

    private void copyHeaders(final int slot, final PacketView packet, final int length)
    {
        areas[slot].putBytes(0, packet.buffer(), packet.base(), length);
        headerLength[slot] = length;
        linkType[slot] = packet.linkType();
        networkAt[slot] = packet.networkOffset();
        bytesCopied += length;
    }

    /** Adds one fragment's payload; emits the datagram once every block is in. */
    private void add(
        final int slot,
        final PacketView packet,
        final int payloadAt,
        final int payloadLength,
        final int fragmentOffset,
        final boolean more,
        final int bufferId,
        final long position,
        final Filter.Emitter out)
    {
        final int end = fragmentOffset + payloadLength;
        if (end > MAX_PAYLOAD || (more && (payloadLength == 0 || (payloadLength & 7) != 0))
            || (fragmentOffset == 0 && payloadLength < 8) || (fragmentOffset > 0 && fragmentOffset < 8))
        {
            drop(slot); // oversized, ragged or tiny
            return;
        }
        if (!more)
        {
            if (totalPayload[slot] >= 0 && totalPayload[slot] != end)
            {
                drop(slot);
                return;
            }
            totalPayload[slot] = end;
        }
        else if (totalPayload[slot] >= 0 && end > totalPayload[slot])
        {
            drop(slot);
            return;
        }
        final long[] map = blocks[slot];
        final int first = fragmentOffset >> 3;
        final int last = (end + 7 >> 3) - 1;
        int have = 0;
        for (int block = first; block <= last; block++)
        {
            have += (int)(map[block >> 6] >>> block & 1);
        }
        final UnsafeBuffer area = areas[slot];
        if (have == last - first + 1)
        {
            // A repeat: harmless if the bytes are the same, an attack if not.
            for (int i = 0; i < payloadLength; i++)
            {
                if (area.getByte(MAX_HEADERS + fragmentOffset + i) != packet.buffer().getByte(packet.base() + payloadAt + i))
                {
                    drop(slot);
                    return;
                }
            }
            return;
        }
        if (have != 0)
        {
            drop(slot); // a partial overlap
            return;
        }
        area.putBytes(MAX_HEADERS + fragmentOffset, packet.buffer(), packet.base() + payloadAt, payloadLength);
        bytesCopied += payloadLength;
        for (int block = first; block <= last; block++)
        {
            map[block >> 6] |= 1L << block;
        }
        receivedBlocks[slot] += last - first + 1;
        if (totalPayload[slot] < 0 || headerLength[slot] == 0 || receivedBlocks[slot] != (totalPayload[slot] + 7 >> 3))
        {
            return;
        }
        emit(slot, bufferId, position, out);
    }

    private void emit(final int slot, final int bufferId, final long position, final Filter.Emitter out)
    {
        final UnsafeBuffer area = areas[slot];
        final int headers = headerLength[slot];
        final int payload = totalPayload[slot];
        final int start = MAX_HEADERS - headers;
        area.putBytes(start, area, 0, headers); // headers right before the payload
        final int ip = start + networkAt[slot];
        if (keyVersion[slot] == 4)
        {
            final int ihl = headers - networkAt[slot];
            area.putShort(ip + 2, (short)(ihl + payload), ByteOrder.BIG_ENDIAN);
            area.putShort(ip + 6, (short)0, ByteOrder.BIG_ENDIAN);
            area.putShort(ip + 10, (short)0, ByteOrder.BIG_ENDIAN);
            area.putShort(ip + 10, (short)checksum(area, ip, ihl), ByteOrder.BIG_ENDIAN);
        }
        else
        {
            area.putShort(ip + 4, (short)(headers - networkAt[slot] - 40 + payload), ByteOrder.BIG_ENDIAN);
        }
        if (out.emitNew(area, start, headers + payload, linkType[slot], bufferId, position))
        {
            reassembled++;
            bytesCopied += headers + payload;
        }
        else
        {
            dropped++;
        }
        free(slot);
    }

    private static int checksum(final UnsafeBuffer b, final int at, final int length)
    {
        int sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            sum += b.getShort(at + i, ByteOrder.BIG_ENDIAN) & 0xffff;
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return ~sum & 0xffff;
    }

    /** The slot of this datagram: found, or a free one, or the oldest one given up. -1 never. */
    private int slotFor(final int v, final long sHi, final long sLo, final long dHi, final long dLo, final long id)
    {
        int free = -1;
        int oldest = 0;
        for (int slot = 0; slot < SLOTS; slot++)
        {
            if (keyVersion[slot] == 0)
            {
                free = free < 0 ? slot : free;
                continue;
            }
            if (clock - started[slot] > TIMEOUT_PACKETS)
            {
                drop(slot);
                free(slot);
                free = free < 0 ? slot : free;
                continue;
            }
            if (keyVersion[slot] == v && ident[slot] == id && srcLo[slot] == sLo && dstLo[slot] == dLo
                && srcHi[slot] == sHi && dstHi[slot] == dHi)
            {
                return slot;
            }
            oldest = started[slot] < started[oldest] ? slot : oldest;
        }
        if (free < 0)
        {
            drop(oldest);
            free(oldest);
            free = oldest;
        }
        if (areas[free] == null)
        {
            areas[free] = new UnsafeBuffer(new byte[AREA]);
            blocks[free] = new long[(MAX_PAYLOAD + 7 >> 3) + 63 >> 6];
        }
        keyVersion[free] = (byte)v;
        srcHi[free] = sHi;
        srcLo[free] = sLo;
        dstHi[free] = dHi;
        dstLo[free] = dLo;
        ident[free] = id;
        started[free] = clock;
        headerLength[free] = 0;
        totalPayload[free] = -1;
        receivedBlocks[free] = 0;
        dead[free] = false;
        java.util.Arrays.fill(blocks[free], 0);
        return free;
    }

    /** Gives a datagram up: counted once, and its slot swallows its later fragments. */
    private void drop(final int slot)
    {
        if (keyVersion[slot] != 0 && !dead[slot])
        {
            dropped++;
            dead[slot] = true;
        }
    }

    private void free(final int slot)
    {
        keyVersion[slot] = 0;
    }
}
