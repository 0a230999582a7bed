package org.pipesfs.fs;

/** Whether the mount is going away; blocked reads check it so that unmount ends them. */
final class MountState
{
    private volatile boolean closing;

    boolean isClosing()
    {
        return closing;
    }

    void close()
    {
        closing = true;
    }
}
