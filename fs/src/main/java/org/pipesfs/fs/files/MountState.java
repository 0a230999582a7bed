package org.pipesfs.fs.files;

/** Whether the mount is going away; blocked reads check it so that unmount ends them. */
public final class MountState
{
    private volatile boolean closing;

    boolean isClosing()
    {
        return closing;
    }

    public void close()
    {
        closing = true;
    }
}
