package org.pipesfs.filters;

import org.pipesfs.filters.decode.PacketView;

import java.util.regex.Pattern;

/**
 * {@code stream}: per-flow, in-order TCP payload bytes, reassembled without copying (the Beltway
 * idea). The payload stays where it lies in its data-buffer slot; this filter only decides which
 * bytes of which slot come next and emits index entries for them, trimmed to the bytes not yet
 * delivered. Segments that arrive early are held as pieces (slot, offset, length) until the gap
 * before them fills. Each byte position is delivered from the first copy that arrived (as
 * tcpflow and Wireshark do): a later, overlapping copy is cut down to the bytes nobody has yet.
 * Sequence numbers compare modulo 2^32, so wraparound is just arithmetic.
 *
 * <p>Each direction of a connection is one flow, with a class node named
 * {@code SRC_IP.SPORT-DST_IP.DPORT} (the tcpflow convention, without zero padding). A SYN sets
 * the first sequence number; a flow first seen mid-connection starts at its first segment.
 *
 * <pre>
 * State, in arrays made at full size on the first TCP segment (no per-packet allocation):
 *   flow table, open addressing, linear probing, {@link #MAX_FLOWS} slots
 *     key: IP version, source and destination address (2 longs each), ports
 *     next expected sequence, FIN sequence, flags, last activity, held-piece list head/count
 *   a {@link PiecePool} of {@link #MAX_PIECES} pieces, chained per flow
 * </pre>
 *
 * Bounds: at most {@link #MAX_PIECES_PER_FLOW} pieces wait per flow and {@link #MAX_PIECES} in
 * all; a flow that needs more gives up its oldest gap (the missing bytes are skipped and counted
 * in {@link #gapBytes()}). A flow idle for {@link #IDLE_SEGMENTS} segments, or pushed out when
 * the table is full, is flushed the same way. A RST, or a FIN with every byte before it
 * delivered, frees the flow direction, and its class is reported ended
 * ({@link Filter.Emitter#classEnded}) so its directory goes once its readers have drained; at
 * most {@link #MAX_CLASSES} classes exist at once.
 *
 * <p>Thread rules: the producer thread only, like every filter.
 */
public final class StreamReassembler implements Filter.Transform, Filter.Classifier
{
    public static final int MAX_FLOWS = 1 << 16;
    public static final int MAX_PIECES = 1 << 16;
    public static final int MAX_PIECES_PER_FLOW = 512;
    /** Class directories per stream node at once at most; other flows still reach {@code stream/all}. */
    public static final int MAX_CLASSES = 4096;
    static final long IDLE_SEGMENTS = 1L << 20;
    /** Slots the idle sweep looks at, once every this many segments. */
    private static final int SWEEP_SLOTS = 64;
    private static final int MASK = MAX_FLOWS - 1;
    private static final int FULL = MAX_FLOWS / 2;
    private static final int SYNCED = 1;
    private static final int FIN_SEEN = 2;
    private static final int NONE = -1;
    private static final Pattern FLOW_NAME = Pattern.compile("[0-9a-fA-F.:]+\\.\\d{1,5}-[0-9a-fA-F.:]+\\.\\d{1,5}");

    // flow table
    private byte[] version;
    private long[] srcHi;
    private long[] srcLo;
    private long[] dstHi;
    private long[] dstLo;
    private int[] ports;
    private int[] nextSeq;
    private int[] finSeq;
    private int[] flags;
    private long[] lastActive;
    private long[] flowId;
    private String[] className;
    private int[] heldHead;
    private int[] heldCount;
    private int flows;

    private PiecePool pieces;

    private long clock;
    private long nextFlowId;
    private int classes;
    private long gapBytes;
    private long duplicateBytes;
    private int sweep;

    /** The flow table and piece pool at their full size: what {@link #stateBytes} promises. */
    public long stateBytes()
    {
        return MAX_FLOWS * (1L + 4 * Long.BYTES + 5 * Integer.BYTES + 2 * Long.BYTES + Integer.BYTES)
            + MAX_PIECES * (4L * Integer.BYTES + 1 + 2 * Long.BYTES);
    }

    /** Tables are made on the first segment, so a node that sees no TCP costs nothing. */
    private void allocateTables()
    {
        version = new byte[MAX_FLOWS];
        srcHi = new long[MAX_FLOWS];
        srcLo = new long[MAX_FLOWS];
        dstHi = new long[MAX_FLOWS];
        dstLo = new long[MAX_FLOWS];
        ports = new int[MAX_FLOWS];
        nextSeq = new int[MAX_FLOWS];
        finSeq = new int[MAX_FLOWS];
        flags = new int[MAX_FLOWS];
        lastActive = new long[MAX_FLOWS];
        flowId = new long[MAX_FLOWS];
        className = new String[MAX_FLOWS];
        heldHead = new int[MAX_FLOWS];
        heldCount = new int[MAX_FLOWS];
        pieces = new PiecePool(MAX_PIECES);
        java.util.Arrays.fill(heldHead, NONE);
    }

    public String spec()
    {
        return "stream";
    }

    /** Not a pass/drop filter: {@link #transform} decides. */
    public boolean accept(final PacketView packet)
    {
        return false;
    }

    public View view()
    {
        return View.PAYLOAD;
    }

    /** Payload bytes skipped because a gap never filled (limits, idle flows, RST). */
    public long gapBytes()
    {
        return gapBytes;
    }

    /** Payload bytes dropped because they had been delivered already (retransmissions). */
    public long duplicateBytes()
    {
        return duplicateBytes;
    }

    /** Flows being tracked now. */
    public int flows()
    {
        return flows;
    }

    // ---- Classifier: one class per flow ---------------------------------------------------------

    public String classify(final PacketView packet)
    {
        return null; // classes are named as pieces are emitted
    }

    public Filter classFilter(final String name)
    {
        return FlowFilter.parse(name);
    }

    public boolean isClass(final String name)
    {
        return FLOW_NAME.matcher(name).matches() && FlowFilter.parse(name) != null;
    }

    // ---- Transform --------------------------------------------------------------------------------

    public void transform(
        final PacketView packet,
        final int bufferId,
        final long position,
        final long sequence,
        final int offset,
        final int length,
        final Filter.Emitter out)
    {
        if (packet.protocol() != PacketView.PROTO_TCP || packet.transportOffset() < 0 || packet.payloadOffset() < 0)
        {
            return;
        }
        if (version == null)
        {
            allocateTables();
        }
        if ((++clock & (SWEEP_SLOTS - 1)) == 0)
        {
            sweepIdle(out);
        }
        final int tcpFlags = packet.tcpFlags();
        final boolean syn = (tcpFlags & 0x02) != 0;
        // Only a SYN or data starts tracking a flow: a bare ACK, FIN or RST after the flow is
        // done must not bring it back.
        final int slot = flowSlot(packet, syn || packet.payloadLength() > 0, out);
        if (slot < 0)
        {
            return;
        }
        lastActive[slot] = clock;
        final int tcp = packet.transportOffset();
        final int seq = packet.buffer().getInt(packet.base() + tcp + 4, java.nio.ByteOrder.BIG_ENDIAN);
        if ((tcpFlags & 0x04) != 0) // RST: deliver what can be, forget the flow
        {
            flush(slot, out);
            remove(slot, out);
            return;
        }
        if ((flags[slot] & SYNCED) == 0)
        {
            nextSeq[slot] = syn ? seq + 1 : seq;
            flags[slot] |= SYNCED;
        }
        final int dataSeq = syn ? seq + 1 : seq;
        final int payloadLength = packet.payloadLength();
        if (payloadLength > 0)
        {
            deliver(slot, dataSeq, payloadLength, bufferId, position, sequence, packet.shift() + packet.payloadOffset(),
                out);
        }
        if ((tcpFlags & 0x01) != 0)
        {
            finSeq[slot] = dataSeq + payloadLength;
            flags[slot] |= FIN_SEEN;
        }
        if ((flags[slot] & FIN_SEEN) != 0 && nextSeq[slot] == finSeq[slot] && heldCount[slot] == 0)
        {
            remove(slot, out);
        }
    }

    public long lowestHeld(final int bufferId, final long none)
    {
        if ((pieces == null || pieces.held() == 0))
        {
            return none;
        }
        long lowest = none;
        int unseen = pieces.held(); // stop once every held piece has been looked at
        for (int slot = 0; slot < MAX_FLOWS && unseen > 0; slot++)
        {
            unseen -= heldCount[slot];
            for (int p = heldHead[slot]; p != NONE; p = pieces.next[p])
            {
                if (pieces.buffer[p] == bufferId)
                {
                    lowest = Math.min(lowest, pieces.position[p]);
                }
            }
        }
        return lowest;
    }

    public void releaseBefore(final int bufferId, final long position, final Filter.Emitter out)
    {
        if ((pieces == null || pieces.held() == 0))
        {
            return;
        }
        int unseen = pieces.held();
        for (int slot = 0; slot < MAX_FLOWS && unseen > 0; slot++)
        {
            unseen -= heldCount[slot];
            for (int p = heldHead[slot]; p != NONE; p = pieces.next[p])
            {
                if (pieces.buffer[p] == bufferId && pieces.position[p] < position)
                {
                    flush(slot, out);
                    break;
                }
            }
        }
    }

    public boolean holds()
    {
        return pieces != null && pieces.held() > 0;
    }

    // ---- reassembly -------------------------------------------------------------------------------

    private void deliver(
        final int slot,
        final int start,
        final int length,
        final int bufferId,
        final long position,
        final long sequence,
        final int offset,
        final Filter.Emitter out)
    {
        final int behind = nextSeq[slot] - start;
        if (behind >= length)
        {
            duplicateBytes += length;
            return;
        }
        if (behind >= 0 && heldHead[slot] == NONE)
        {
            // in order, nothing held: the common case, straight out
            duplicateBytes += behind;
            emit(slot, bufferId, position, sequence, offset + behind, length - behind, out);
            nextSeq[slot] = start + length;
            return;
        }
        if (behind > 0)
        {
            duplicateBytes += behind;
            hold(slot, start + behind, length - behind, bufferId, position, sequence, offset + behind, out);
        }
        else
        {
            hold(slot, start, length, bufferId, position, sequence, offset, out);
        }
        // Held pieces keep the bytes they cover (first copy wins); the new bytes fill around them.
        drain(slot, out);
    }

    /** Emits held pieces that the delivered bytes have reached, trimming what was delivered already. */
    private void drain(final int slot, final Filter.Emitter out)
    {
        int p = heldHead[slot];
        while (p != NONE && pieces.seq[p] - nextSeq[slot] <= 0)
        {
            final int behind = nextSeq[slot] - pieces.seq[p];
            if (behind < pieces.length[p])
            {
                emit(slot, pieces.buffer[p], pieces.position[p], pieces.record[p], pieces.offset[p] + behind,
                    pieces.length[p] - behind, out);
                nextSeq[slot] = pieces.seq[p] + pieces.length[p];
            }
            else
            {
                duplicateBytes += pieces.length[p];
            }
            final int next = pieces.next[p];
            pieces.release(p);
            heldCount[slot]--;
            p = next;
        }
        heldHead[slot] = p;
    }

    /**
     * Holds an early segment: only the bytes no held piece covers yet (first copy wins), as
     * pieces in sequence order.
     */
    private void hold(
        final int slot,
        final int start,
        final int length,
        final int bufferId,
        final long position,
        final long sequence,
        final int offset,
        final Filter.Emitter out)
    {
        int from = start;
        final int end = start + length;
        int previous = NONE;
        int p = heldHead[slot];
        while (end - from > 0)
        {
            // skip pieces that end before our start
            while (p != NONE && pieces.seq[p] + pieces.length[p] - from <= 0)
            {
                previous = p;
                p = pieces.next[p];
            }
            final int gapEnd = p == NONE ? end : (pieces.seq[p] - end < 0 ? pieces.seq[p] : end);
            if (gapEnd - from > 0)
            {
                if (heldCount[slot] >= MAX_PIECES_PER_FLOW || !pieces.hasFree())
                {
                    // Out of room: give up the oldest gap of this flow (or, holding nothing, the
                    // gap before this segment), then take the segment anew.
                    if (heldHead[slot] == NONE)
                    {
                        gapBytes += Integer.toUnsignedLong(from - nextSeq[slot]);
                        nextSeq[slot] = from;
                    }
                    else
                    {
                        skipGap(slot, out);
                    }
                    deliver(slot, from, end - from, bufferId, position, sequence, offset + (from - start), out);
                    return;
                }
                final int piece = pieces.take(from, gapEnd - from, bufferId, position, sequence, offset + (from - start));
                pieces.next[piece] = p;
                if (previous == NONE)
                {
                    heldHead[slot] = piece;
                }
                else
                {
                    pieces.next[previous] = piece;
                }
                heldCount[slot]++;
                previous = piece;
            }
            if (p == NONE || pieces.seq[p] - end >= 0)
            {
                return;
            }
            duplicateBytes += Math.min(end, pieces.seq[p] + pieces.length[p]) - Math.max(from, pieces.seq[p]);
            from = pieces.seq[p] + pieces.length[p];
            previous = p;
            p = pieces.next[p];
        }
    }

    /** Skips the missing bytes before the first held piece and delivers what follows. */
    private void skipGap(final int slot, final Filter.Emitter out)
    {
        final int head = heldHead[slot];
        if (head == NONE)
        {
            return;
        }
        gapBytes += Integer.toUnsignedLong(pieces.seq[head] - nextSeq[slot]);
        nextSeq[slot] = pieces.seq[head];
        drain(slot, out);
    }

    /** Delivers everything held for a flow, skipping the gaps between. */
    private void flush(final int slot, final Filter.Emitter out)
    {
        while (heldHead[slot] != NONE)
        {
            skipGap(slot, out);
        }
    }

    private void emit(
        final int slot, final int bufferId, final long position, final long sequence, final int offset, final int length,
        final Filter.Emitter out)
    {
        out.emitPiece(bufferId, position, sequence, offset, length, className[slot], flowId[slot]);
    }

    // ---- flow table -------------------------------------------------------------------------------

    /** The flow's slot; a new one if {@code create}, else -1 when it is not tracked. */
    private int flowSlot(final PacketView packet, final boolean create, final Filter.Emitter out)
    {
        final org.agrona.DirectBuffer buffer = packet.buffer();
        final int v = packet.ipVersion();
        final int src = packet.base() + packet.sourceAddressOffset();
        final int dst = packet.base() + packet.destinationAddressOffset();
        final long sHi = v == 6 ? buffer.getLong(src) : 0;
        final long sLo = v == 6 ? buffer.getLong(src + 8) : buffer.getInt(src) & 0xffffffffL;
        final long dHi = v == 6 ? buffer.getLong(dst) : 0;
        final long dLo = v == 6 ? buffer.getLong(dst + 8) : buffer.getInt(dst) & 0xffffffffL;
        final int p = packet.sourcePort() << 16 | packet.destinationPort();
        int slot = hash(v, sHi, sLo, dHi, dLo, p);
        while (version[slot] != 0)
        {
            if (version[slot] == v && srcLo[slot] == sLo && dstLo[slot] == dLo && ports[slot] == p
                && srcHi[slot] == sHi && dstHi[slot] == dHi)
            {
                return slot;
            }
            slot = (slot + 1) & MASK;
        }
        if (!create)
        {
            return -1;
        }
        if (flows >= FULL)
        {
            evict(out);
            return flowSlot(packet, true, out); // the table moved: probe again
        }
        version[slot] = (byte)v;
        srcHi[slot] = sHi;
        srcLo[slot] = sLo;
        dstHi[slot] = dHi;
        dstLo[slot] = dLo;
        ports[slot] = p;
        flags[slot] = 0;
        heldHead[slot] = NONE;
        heldCount[slot] = 0;
        flowId[slot] = nextFlowId++;
        className[slot] = classes < MAX_CLASSES ? name(packet) : null;
        if (className[slot] != null)
        {
            classes++;
        }
        flows++;
        return slot;
    }

    /**
     * Looks at the next {@link #SWEEP_SLOTS} slots and ends the flows idle for
     * {@link #IDLE_SEGMENTS}: the whole table every {@code MAX_FLOWS} segments, a few slots at a
     * time, so a flow that never closes still frees its slot and its class in the end.
     */
    private void sweepIdle(final Filter.Emitter out)
    {
        for (int i = 0; i < SWEEP_SLOTS; i++)
        {
            sweep = (sweep + 1) & MASK;
            if (version[sweep] != 0 && clock - lastActive[sweep] > IDLE_SEGMENTS)
            {
                flush(sweep, out);
                remove(sweep, out);
            }
        }
    }

    /** Makes room in a full table: flushes and drops idle flows, or the next ones round the clock. */
    private void evict(final Filter.Emitter out)
    {
        for (int i = 0; i < MAX_FLOWS && flows >= FULL * 7 / 8; i++)
        {
            sweep = (sweep + 1) & MASK;
            if (version[sweep] != 0 && (clock - lastActive[sweep] > IDLE_SEGMENTS || i > MAX_FLOWS / 2))
            {
                flush(sweep, out);
                remove(sweep, out);
            }
        }
    }

    /** Frees a flow's slot (backward-shift deletion keeps every probe chain whole). */
    private void remove(final int slot, final Filter.Emitter out)
    {
        if (className[slot] != null)
        {
            classes--;
            out.classEnded(className[slot]);
        }
        for (int p = heldHead[slot]; p != NONE;)
        {
            final int next = pieces.next[p];
            pieces.release(p);
            p = next;
        }
        flows--;
        int hole = slot;
        int at = slot;
        while (true)
        {
            at = (at + 1) & MASK;
            if (version[at] == 0)
            {
                break;
            }
            final int home = home(at);
            // move the entry at `at` into the hole if its home is not between hole and at
            if (((at - home) & MASK) >= ((at - hole) & MASK))
            {
                copySlot(at, hole);
                hole = at;
            }
        }
        version[hole] = 0;
        heldHead[hole] = NONE;
        heldCount[hole] = 0;
        className[hole] = null;
    }

    private int home(final int slot)
    {
        return hash(version[slot], srcHi[slot], srcLo[slot], dstHi[slot], dstLo[slot], ports[slot]);
    }

    /** The key's home slot: the words folded, then MurmurHash3's 64-bit finalizer, so every bit counts. */
    private static int hash(final int v, final long sHi, final long sLo, final long dHi, final long dLo, final int p)
    {
        long h = (sHi * 31 + sLo) * 31 + dHi;
        h = (h * 31 + dLo) * 31 + ((long)p << 8 | v);
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int)h & MASK;
    }

    private void copySlot(final int from, final int to)
    {
        version[to] = version[from];
        srcHi[to] = srcHi[from];
        srcLo[to] = srcLo[from];
        dstHi[to] = dstHi[from];
        dstLo[to] = dstLo[from];
        ports[to] = ports[from];
        nextSeq[to] = nextSeq[from];
        finSeq[to] = finSeq[from];
        flags[to] = flags[from];
        lastActive[to] = lastActive[from];
        flowId[to] = flowId[from];
        className[to] = className[from];
        heldHead[to] = heldHead[from];
        heldCount[to] = heldCount[from];
    }

    /** {@code SRC.SPORT-DST.DPORT}, made once per flow. */
    private static String name(final PacketView packet)
    {
        return FlowFilter.address(packet, packet.sourceAddressOffset()) + "." + packet.sourcePort() + "-"
            + FlowFilter.address(packet, packet.destinationAddressOffset()) + "." + packet.destinationPort();
    }
}
