package org.pipesfs.fs.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The user behind a FUSE request (uid, gid and supplementary groups) and the classic
 * owner/group/other permission check against a node's or file's {@link Ownership.Attributes}.
 * The kernel checks the paths it resolves itself ({@code default_permissions}); a symlink's
 * target is only a string to it, so the link operation asks here whether the caller could read
 * what it names. Groups come from {@code /proc/PID/status}, as libfuse's own
 * {@code fuse_getgroups} reads them.
 */
record Caller(int uid, int gid, int[] groups, long capabilities)
{
    static final int READ = 4;
    static final int SEARCH = 1;
    private static final int CAP_NET_RAW = 13;

    static Caller of(final int uid, final int gid, final long pid)
    {
        final List<String> status = statusOf(pid);
        return new Caller(uid, gid, groupsOf(status, gid), capabilitiesOf(status));
    }

    /** Whether the caller may send raw frames, as the kernel would let its own socket(AF_PACKET) do. */
    boolean mayTransmit()
    {
        return (capabilities >>> CAP_NET_RAW & 1) != 0;
    }

    /** True if this caller has every bit of {@code want} ({@link #READ}, {@link #SEARCH}). */
    boolean may(final Ownership.Attributes attributes, final int want)
    {
        if (uid == 0)
        {
            return true; // CAP_DAC_OVERRIDE, as for any file
        }
        final int mode = attributes.mode();
        final int bits;
        if (uid == attributes.uid())
        {
            bits = mode >> 6;
        }
        else if (inGroup(attributes.gid()))
        {
            bits = mode >> 3;
        }
        else
        {
            bits = mode;
        }
        return (bits & want) == want;
    }

    private boolean inGroup(final int group)
    {
        if (group == gid)
        {
            return true;
        }
        for (final int g : groups)
        {
            if (g == group)
            {
                return true;
            }
        }
        return false;
    }

    private static List<String> statusOf(final long pid)
    {
        try
        {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
        }
        catch (final IOException | RuntimeException gone)
        {
            return List.of(); // the caller has exited: its primary group is all that is known
        }
    }

    private static int[] groupsOf(final List<String> status, final int gid)
    {
        for (final String line : status)
        {
            if (line.startsWith("Groups:"))
            {
                final String list = line.substring("Groups:".length()).trim();
                if (list.isEmpty())
                {
                    return new int[0];
                }
                final String[] parts = list.split("\\s+");
                final int[] groups = new int[parts.length];
                for (int i = 0; i < parts.length; i++)
                {
                    groups[i] = Integer.parseInt(parts[i]);
                }
                return groups;
            }
        }
        return new int[] {gid};
    }

    /** The effective capability set ({@code CapEff}); none if it cannot be read. */
    private static long capabilitiesOf(final List<String> status)
    {
        for (final String line : status)
        {
            if (line.startsWith("CapEff:"))
            {
                return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
            }
        }
        return 0;
    }
}
