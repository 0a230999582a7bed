package org.pipesfs.fs.files;

import org.pipesfs.filters.GraphException;

/**
 * How an operation says no: every refusal answers its errno and logs one line saying why, and
 * anything unexpected becomes EIO (ENOMEM if the JVM ran out of memory) instead of reaching
 * libfuse. The worker thread serves on.
 */
final class Refusals
{
    private Refusals()
    {
    }

    /** Runs a FUSE operation that answers an errno itself, catching whatever it did not expect. */
    static int guarded(final String op, final String path, final java.util.function.IntSupplier operation)
    {
        try
        {
            return operation.getAsInt();
        }
        catch (final Throwable t)
        {
            return failed(op, path, t);
        }
    }

    static int graphOperation(final String op, final String path, final Runnable operation)
    {
        try
        {
            operation.run();
            return 0;
        }
        catch (final Throwable t)
        {
            return failed(op, path, t);
        }
    }

    /**
     * The last word on any operation that threw: a graph refusal keeps its errno; running out of
     * memory is ENOMEM; anything else is EIO, logged. The worker thread answers and lives on.
     */
    static int failed(final String op, final String path, final Throwable t)
    {
        if (t instanceof GraphException ex)
        {
            return refuse(-Errno.of(ex.reason()), op, path, ex.getMessage());
        }
        if (t instanceof Refusal ex)
        {
            return refuse(-ex.errno(), op, path, ex.getMessage());
        }
        if (t instanceof OutOfMemoryError)
        {
            return refuse(-Errno.ENOMEM, op, path, "out of memory (" + t.getMessage() + ")");
        }
        return refuse(-Errno.EIO, op, path, "unexpected " + t);
    }

    static int refuse(final int errno, final String op, final String path, final String why)
    {
        System.err.println("pipesfs: " + op + " " + path + ": " + why + " (errno " + -errno + ")");
        return errno;
    }
}
