package org.pipesfs.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads {@code /proc/self/mountinfo}: is a directory currently a FUSE mount point? */
final class MountPoints
{
    private MountPoints()
    {
    }

    static boolean isFuseMount(final Path dir)
    {
        return mountState(dir, false);
    }

    /** Like {@link #isFuseMount} but a mountinfo that cannot be read counts as still mounted. */
    static boolean isStillMounted(final Path dir)
    {
        return mountState(dir, true);
    }

    private static boolean mountState(final Path dir, final boolean onError)
    {
        final String wanted = escape(dir.toAbsolutePath().normalize().toString());
        try
        {
            final List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            for (final String line : lines)
            {
                final String[] fields = line.split(" ");
                if (fields.length > 4 && fields[4].equals(wanted) && line.contains(" - fuse"))
                {
                    return true;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return onError;
        }
        return false;
    }

    /** Waits until the mount state of {@code dir} is {@code mounted}, or the timeout passes. */
    static boolean await(final Path dir, final boolean mounted, final long timeoutMs)
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (isFuseMount(dir) != mounted)
        {
            if (System.currentTimeMillis() > deadline)
            {
                return false;
            }
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String escape(final String path)
    {
        return path.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011").replace("\n", "\\012");
    }
}
