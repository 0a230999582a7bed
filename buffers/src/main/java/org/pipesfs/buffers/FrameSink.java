package org.pipesfs.buffers;

/**
 * Receives each record a source has just committed to a {@link DataBuffer}. The node graph
 * implements it to index the frame into the root and classify it downstream. Called on the
 * data buffer's producer thread only.
 */
@FunctionalInterface
public interface FrameSink
{
    /**
     * @return false if the frame could not be indexed because the graph is shutting down.
     */
    boolean onFrame(long position, long sequence, int capturedLength);
}
