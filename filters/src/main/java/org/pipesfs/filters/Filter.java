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
}
