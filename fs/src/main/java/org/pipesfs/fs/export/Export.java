package org.pipesfs.fs.export;

/**
 * A thread that sends every element reaching one node out of the graph (to Kafka, onto an
 * interface), reading the node's ring as any reader does, so that the source never waits on
 * the outside world except through the ring under the lossless policy.
 *
 * <p>Thread rule: the export's own thread reads and sends; any thread may read its counters
 * and close it.
 */
interface Export extends AutoCloseable
{
    /** The node's name when the export started: a rename ends it. */
    String spec();

    /** The export's own {@code .stats} lines, each ending in a newline. */
    String stats();

    /** Elements it read and then could not send (lossy only), for the node's {@code dropped}. */
    long lost();

    /** Stops reading, lets a lossless export finish what it read, and closes the node's reader last. */
    @Override
    void close();
}
