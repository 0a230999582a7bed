package org.pipesfs.filters;

/**
 * The pieces a {@code stream} node holds back: early segments waiting for the gap before them,
 * each a (sequence, length, buffer, record position, record sequence, offset) into a slot of
 * the data buffer, chained per flow through {@link #next}. A fixed pool with a free list: no
 * allocation per segment.
 *
 * <pre>
 * piece p:  seq[p]  length[p]  buffer[p]  position[p]  record[p]  offset[p]  next[p]
 *           tcp seq bytes      DBuf id    of the record            first byte  chain / free list
 * </pre>
 *
 * <p>Thread rule: the producer thread only, like its {@link StreamReassembler}.
 */
final class PiecePool
{
    static final int NONE = -1;

    final int[] seq;
    final int[] length;
    final byte[] buffer;
    final long[] position;
    final long[] record;
    final int[] offset;
    final int[] next;
    private int free;
    private int held;

    PiecePool(final int capacity)
    {
        seq = new int[capacity];
        length = new int[capacity];
        buffer = new byte[capacity];
        position = new long[capacity];
        record = new long[capacity];
        offset = new int[capacity];
        next = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            next[i] = i + 1 < capacity ? i + 1 : NONE;
        }
    }

    /** Pieces held now. */
    int held()
    {
        return held;
    }

    boolean hasFree()
    {
        return free != NONE;
    }

    /** A piece from the free list, filled in; its {@link #next} is the caller's to set. */
    int take(final int tcpSeq, final int bytes, final int bufferId, final long recordPosition, final long recordSequence,
        final int firstByte)
    {
        final int p = free;
        free = next[p];
        seq[p] = tcpSeq;
        length[p] = bytes;
        buffer[p] = (byte)bufferId;
        position[p] = recordPosition;
        record[p] = recordSequence;
        offset[p] = firstByte;
        held++;
        return p;
    }

    /** Returns a piece to the free list. */
    void release(final int p)
    {
        next[p] = free;
        free = p;
        held--;
    }
}
