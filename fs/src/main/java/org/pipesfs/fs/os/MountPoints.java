package org.pipesfs.fs.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The mount table, read from outside a mount: which PipesFS mounts exist and which nodes they
 * hold ({@code /proc/self/mounts}), and is a directory currently a FUSE mount point
 * ({@code /proc/self/mountinfo}), the question the unmount watcher asks. The mountinfo table is
 * scanned as bytes in a reused buffer, not split into strings: the unmount watcher asks ten
 * times a second for the life of the mount, and the line-splitting version cost 1 % of a core,
 * interpreted, plus C2 compiles of {@code readLine} in the middle of live bursts.
 *
 * <p>An instance belongs to one thread; the static methods make their own.
 */
public final class MountPoints
{
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    /** Field 5 of a mountinfo line is the mount point; the file system type follows " - ". */
    private static final int MOUNT_POINT_FIELD = 4;
    private static final byte[] FUSE_TYPE = " - fuse".getBytes(StandardCharsets.US_ASCII);

    private final byte[] wanted;
    private ByteBuffer table = ByteBuffer.allocate(16 << 10);

    public MountPoints(final Path dir)
    {
        wanted = escape(dir.toAbsolutePath().normalize().toString()).getBytes(StandardCharsets.UTF_8);
    }

    public static boolean isFuseMount(final Path dir)
    {
        return new MountPoints(dir).isMounted(false);
    }

    /** True if the directory is a FUSE mount point now; {@code onError} if mountinfo cannot be read. */
    public boolean isMounted(final boolean onError)
    {
        final int length;
        try
        {
            length = readTable();
        }
        catch (final IOException | RuntimeException ex)
        {
            return onError;
        }
        final byte[] bytes = table.array();
        int line = 0;
        while (line < length)
        {
            int end = line;
            while (end < length && bytes[end] != '\n')
            {
                end++;
            }
            if (isWantedFuseLine(bytes, line, end))
            {
                return true;
            }
            line = end + 1;
        }
        return false;
    }

    private int readTable() throws IOException
    {
        try (FileChannel channel = FileChannel.open(MOUNTINFO, StandardOpenOption.READ))
        {
            table.clear();
            while (channel.read(table) >= 0)
            {
                if (!table.hasRemaining())
                {
                    final ByteBuffer larger = ByteBuffer.allocate(table.capacity() * 2);
                    larger.put(table.flip());
                    table = larger;
                }
            }
            return table.position();
        }
    }

    private boolean isWantedFuseLine(final byte[] bytes, final int start, final int end)
    {
        int field = start;
        for (int spaces = 0; spaces < MOUNT_POINT_FIELD; field++)
        {
            if (field >= end)
            {
                return false;
            }
            if (bytes[field] == ' ')
            {
                spaces++;
            }
        }
        final int fieldEnd = field + wanted.length;
        if (fieldEnd >= end || bytes[fieldEnd] != ' ' || !Arrays.equals(bytes, field, fieldEnd, wanted, 0, wanted.length))
        {
            return false;
        }
        for (int i = fieldEnd; i + FUSE_TYPE.length <= end; i++)
        {
            if (Arrays.equals(bytes, i, i + FUSE_TYPE.length, FUSE_TYPE, 0, FUSE_TYPE.length))
            {
                return true;
            }
        }
        return false;
    }

    /** Waits until the mount state of {@code dir} is {@code mounted}, or the timeout passes. */
    public static boolean await(final Path dir, final boolean mounted, final long timeoutMs)
    {
        final MountPoints table = new MountPoints(dir);
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (table.isMounted(false) != mounted)
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

    /** The mount points of type {@code fuse.pipesfs}, as {@code /proc/self/mounts} lists them. */
    public static List<Path> pipesFsMounts() throws IOException
    {
        final List<Path> mounts = new ArrayList<>();
        for (final String line : Files.readAllLines(Path.of("/proc/self/mounts")))
        {
            final String[] fields = line.split(" ");
            if (fields.length >= 3 && fields[2].equals("fuse.pipesfs"))
            {
                mounts.add(Path.of(unescape(fields[1])));
            }
        }
        return mounts;
    }

    /** The PipesFS mount that holds {@code path}, the innermost if they nest, or null. */
    public static Path pipesFsMountOf(final Path path) throws IOException
    {
        Path best = null;
        for (final Path mount : pipesFsMounts())
        {
            if (path.startsWith(mount) && (best == null || mount.getNameCount() > best.getNameCount()))
            {
                best = mount;
            }
        }
        return best;
    }

    /**
     * The node directories of a mounted PipesFS, the root first, at most {@code limit}; links are
     * not followed. Empty, with the reason on standard error, if the mount cannot be read (a stale
     * mount whose server is gone).
     */
    public static List<Path> nodesOf(final Path mount, final int limit)
    {
        try (Stream<Path> nodes = Files.walk(mount))
        {
            return nodes.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).limit(limit).toList();
        }
        catch (final IOException | UncheckedIOException ex)
        {
            System.err.println("pipesfs: " + mount + ": " + ex.getMessage());
            return List.of();
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String escape(final String path)
    {
        return path.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011").replace("\n", "\\012");
    }

    private static String unescape(final String field)
    {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
