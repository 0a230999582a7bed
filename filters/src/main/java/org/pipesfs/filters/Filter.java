package org.pipesfs.filters;

import org.pipesfs.filters.decode.PacketView;

/**
 * What one node does with each element its inputs offer: accept it or not, and which layer of
 * the frame its own element shows. Filters are stateless and run on the producer thread only,
 * on a {@link PacketView} decoded once per frame; they never allocate. A {@link Classifier}
 * also names the class an element belongs to.
 */
public interface Filter
{
    /** The layer a node's element shows; the index entry narrows to it, no bytes move. */
    enum View
    {
        /** The whole frame (root, eth, vlan, user nodes). */
        FRAME,
        /** The network packet: IP header onward, or the ARP packet. */
        NETWORK,
        /** The transport segment or datagram, or the ICMP message. */
        TRANSPORT,
        /** The application payload after TCP or UDP headers. */
        PAYLOAD,
        /** Whatever the input showed (address, port and expression filters). */
        INHERIT
    }

    /** The spec this filter was made from: the directory name, or a class name. */
    String spec();

    /** Accepts the element? */
    boolean accept(PacketView packet);

    View view();

    /**
     * The most memory this filter's own tables can take (a flow table, reassembly areas), counted
     * against the mount's {@link MemoryBudget} when its node is made; 0 for stateless filters.
     */
    default long stateBytes()
    {
        return 0;
    }

    /** A filter that sorts what it accepts into named classes, each a child node made on first sight. */
    interface Classifier extends Filter
    {
        /** The class of an accepted element, or null if it belongs to none. */
        String classify(PacketView packet);

        /** The filter a class node runs, so that a class moved elsewhere keeps working. */
        Filter classFilter(String className);

        /** Whether {@code name} is one of this classifier's class names. */
        boolean isClass(String name);
    }

    /**
     * A filter that reshapes its input rather than passing or dropping it: it may hold elements
     * back, trim them, reorder them, or build new ones ({@code stream}, {@code defrag}). It
     * keeps state, on the producer thread only, and emits through an {@link Emitter}.
     */
    interface Transform extends Filter
    {
        /** Takes one element its node was offered (decoded in {@code packet}) and emits what it yields now. */
        void transform(PacketView packet, int bufferId, long position, long sequence, int offset, int length, Emitter out);

        /**
         * Lowest position in data buffer {@code bufferId} that held elements still point at,
         * or {@code none}: the lossless policy keeps that data in place.
         */
        long lowestHeld(int bufferId, long none);

        /** Gives up holding anything that points below {@code position} in that buffer, emitting what it can. */
        void releaseBefore(int bufferId, long position, Emitter out);

        /** True while something is held. */
        boolean holds();
    }

    /** Where a {@link Transform} sends what its node yields. */
    interface Emitter
    {
        /**
         * One element: bytes {@code [offset, offset + length)} of the record at {@code position} in
         * data buffer {@code bufferId}.
         *
         * @param className the class node it goes to as well, or null.
         * @param flow      for a payload piece of a reassembled flow, the flow's id; else -1.
         */
        void emitPiece(int bufferId, long position, long sequence, int offset, int length, String className, long flow);

        /**
         * A frame found inside the element as offered ({@code decap}): bytes {@code [frameOffset,
         * frameOffset + length)} of the frame the transform was given, with its own link type.
         * No bytes move: the node keeps a view of the same slot, and its children decode it as a
         * frame of that type; whole-frame formats ({@code all.pcap}) start there.
         */
        void emitInner(long position, long sequence, int frameOffset, int length, int linkType);

        /** The element as offered, kept and passed on as a plain filter that accepts it would. */
        void passThrough(long position, long sequence, int offset, int length);

        /**
         * A new whole frame the transform built (a reassembled datagram): copied into the
         * written-elements buffer with the timestamp of the record at {@code likePosition} in
         * {@code likeBuffer}, then kept and passed on like any element.
         *
         * @return false if there was no room for it without waiting (it is dropped).
         */
        boolean emitNew(org.agrona.DirectBuffer source, int offset, int length, int linkType, int likeBuffer, long likePosition);

        /**
         * The class {@code className} will see no more elements (its flow closed, or went idle):
         * its node may go once its readers have drained.
         */
        default void classEnded(final String className)
        {
        }
    }
}
