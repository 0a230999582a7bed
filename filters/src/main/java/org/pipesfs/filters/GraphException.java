package org.pipesfs.filters;

/**
 * A refused graph operation: why, as a {@link Reason} the filesystem layer maps to its errno,
 * and a one-line message for the log. A refused operation has changed nothing.
 */
public final class GraphException extends RuntimeException
{
    /** Why an operation was refused. */
    public enum Reason
    {
        /** The node, link or parent named does not exist (any more). */
        NO_SUCH_NODE,
        /** The mount's memory budget has no room for it. */
        NO_MEMORY,
        /** The root cannot be removed or moved. */
        BUSY,
        /** The name is taken. */
        EXISTS,
        /** A path names something that is not a node. */
        NOT_A_NODE,
        /** An impossible filter spec, a reserved name, or a move into itself. */
        INVALID,
        /** The node still has nodes or links in it. */
        NOT_EMPTY,
        /** Data would flow in a circle. */
        LOOP
    }

    private static final long serialVersionUID = 1L;
    private final Reason reason;

    public GraphException(final Reason reason, final String message)
    {
        super(message);
        this.reason = reason;
    }

    public Reason reason()
    {
        return reason;
    }
}
