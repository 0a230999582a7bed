package org.pipesfs.fs.files;

import org.pipesfs.filters.Node;

/**
 * One {@code opendir()} of a node: the node it listed when opened. The mount asks libfuse for
 * no paths on handle operations (so a blocked read never holds a path lock), and
 * {@code readdir} is one of them: it finds its node here. Not readable as a file.
 */
final class OpenDir implements OpenFile
{
    private final Node node;

    OpenDir(final Node node)
    {
        this.node = node;
    }

    Node node()
    {
        return node;
    }

    public int read(final long address, final int size, final long offset, final MountState mount)
    {
        return -Errno.EISDIR;
    }

    public void close()
    {
    }
}
