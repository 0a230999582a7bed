package org.pipesfs.nic;

import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.FrameSink;

/**
 * A NIC generator: writes frames once into {@link DataBuffer} slots and hands each committed
 * record to a {@link FrameSink}. Sources are driven by one producer thread, which calls
 * {@link #poll} in a loop. A source starts no thread of its own unless the library it wraps
 * must run apart from the graph: Kafka's consumer parses records on its own fetch thread.
 */
public interface FrameSource extends AutoCloseable
{
    /** Returned by {@link #poll} once a finite source has produced its last frame. */
    int END = -1;
    /** Frames per poll unless the source says otherwise: small enough to react to control promptly. */
    int BATCH = 256;

    /**
     * Produces up to {@code limit} frames.
     *
     * @return frames produced (0 if none are due yet, e.g. rate-limited), or {@link #END}.
     */
    int poll(DataBuffer data, FrameSink sink, int limit);

    /**
     * The {@code limit} the producer passes to {@link #poll}. It wakes readers after each poll,
     * so this is also how many frames a reader's wake-up brings at most.
     */
    default int batch()
    {
        return BATCH;
    }

    /**
     * Called before the first poll after the producer held the source back for {@code heldNs}
     * (paused, or waiting for a reader): a paced source moves its clock on by that much, so
     * pacing resumes where it stopped instead of catching up in a burst.
     */
    default void resumed(final long heldNs)
    {
    }

    /** The pcap link type of the frames, for the pcap global header. */
    int linkType();

    /** Human-readable source description for {@code .stats}, e.g. {@code synthetic:seed=1}. */
    String describe();

    /** Frames produced so far. */
    long packets();

    /** Frame bytes produced so far. */
    long bytes();

    /** Fraction done, 0..1, for finite sources; -1 for unbounded ones. */
    default double progress()
    {
        return -1;
    }

    /** A problem met while producing (e.g. a truncated capture), or null. */
    default String problem()
    {
        return null;
    }

    /**
     * Frames the kernel dropped before this source could take them (its ring was full), so far,
     * as tcpdump's "dropped by kernel"; -1 for sources without a kernel ring.
     */
    default long kernelDropped()
    {
        return -1;
    }

    /** Records the source has yet to take from where it reads (a Kafka consumer's lag); -1 if that has no meaning or is unknown. */
    default long lag()
    {
        return -1;
    }

    /** Records captured shorter than they were on the wire (snap length), so far. */
    default long truncatedRecords()
    {
        return 0;
    }

    /** Whether this source is live traffic: then the lossy policy is its default. */
    default boolean isLive()
    {
        return false;
    }

    /** The interface a live source captures from, or null: sending onto it would loop back in. */
    default String captureInterface()
    {
        return null;
    }

    @Override
    default void close()
    {
    }
}
