package org.pipesfs.fs;

import jnr.posix.FileStat;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.pipesfs.fs.files.RecentMessages;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The server's messages: where a background mount writes them, and how much. Logs live in a
 * directory only the mounting user can write ({@code /run/pipesfs} for root, else
 * {@code $XDG_RUNTIME_DIR/pipesfs} or {@code /tmp/pipesfs-UID}), checked with {@code lstat}
 * before use, and each file is created with {@code O_EXCL|O_NOFOLLOW}: no other user can point
 * a log at a file of theirs. Lines are rate-limited (a burst of {@link #BURST}, then
 * {@link #PER_SECOND} a second, with a count of what was suppressed) and the file is rotated to
 * {@code FILE.1} past {@link #MAX_BYTES}, so refused operations cannot fill a disk. Each mount
 * starts a new file, so a failed mount shows only its own lines.
 *
 * <p>Thread rule: any thread may print; {@link PrintStream} serialises the lines.
 */
final class ServerLog extends OutputStream
{
    static final int BURST = 200;
    static final int PER_SECOND = 20;
    static final long MAX_BYTES = 1 << 20;
    private static final int O_WRONLY = 01;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_APPEND = 02000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;
    private static final int MAX_LINE = 4096;

    private final OutputStream out = new FileOutputStream(FileDescriptor.err);
    private final Path file;
    private final RecentMessages recent;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private double tokens = BURST;
    private long lastRefillNs = System.nanoTime();
    private long suppressed;
    private long written;

    private ServerLog(final Path file, final RecentMessages recent)
    {
        this.file = file;
        this.recent = recent;
    }

    /**
     * Sends stdout and stderr to a new {@code file} (when not null) and limits what the JVM
     * prints to stderr from now on; every line it lets through also goes to {@code recent}
     * (the root {@code .log}). Returns null, or why the file cannot be used.
     */
    static String install(final Path file, final RecentMessages recent)
    {
        if (file != null)
        {
            final String problem = openAsStdout(file);
            if (problem != null)
            {
                return problem;
            }
        }
        System.setErr(new PrintStream(new ServerLog(file, recent), true, StandardCharsets.UTF_8));
        return null;
    }

    /** The default log of a background mount of {@code mountPoint}, in the private directory. */
    static Path defaultFor(final Path mountPoint) throws IOException
    {
        final POSIX posix = POSIXFactory.getPOSIX();
        final int uid = posix.geteuid();
        final String runtime = System.getenv("XDG_RUNTIME_DIR");
        final Path dir = uid == 0 ? Path.of("/run/pipesfs")
            : runtime != null && !runtime.isEmpty() ? Path.of(runtime, "pipesfs") : Path.of("/tmp", "pipesfs-" + uid);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS))
        {
            Files.createDirectories(dir.getParent());
            try
            {
                Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            }
            catch (final java.nio.file.FileAlreadyExistsException raced)
            {
                // checked below like any existing directory
            }
        }
        final FileStat stat = posix.lstat(dir.toString());
        if (!stat.isDirectory() || stat.isSymlink() || stat.uid() != uid || (stat.mode() & 077) != 0)
        {
            throw new IOException("log directory " + dir + " is not a private directory of uid " + uid
                + " (a symlink, another owner, or open to others): remove it, or give --log FILE");
        }
        return dir.resolve(mountPoint.toString().replace('/', '_') + ".log");
    }

    /** Moves an earlier log aside to {@code FILE.1}, so this attempt's lines stand alone. */
    static void rotate(final Path file) throws IOException
    {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS))
        {
            Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String openAsStdout(final Path file)
    {
        try
        {
            rotate(file);
        }
        catch (final IOException ex)
        {
            return "cannot rotate log " + file + ": " + ex.getMessage();
        }
        final POSIX posix = POSIXFactory.getPOSIX();
        final int fd = posix.open(file.toString(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
        {
            return "cannot create log " + file + " (errno " + posix.errno() + ")";
        }
        posix.dup2(fd, 1);
        posix.dup2(fd, 2);
        posix.close(fd);
        return null;
    }

    @Override
    public void write(final int b) throws IOException
    {
        if (b == '\n' || lineLength == MAX_LINE)
        {
            endLine();
        }
        if (b != '\n')
        {
            line[lineLength++] = (byte)b;
        }
    }

    @Override
    public void write(final byte[] bytes, final int offset, final int length) throws IOException
    {
        for (int i = offset; i < offset + length; i++)
        {
            write(bytes[i]);
        }
    }

    private void endLine() throws IOException
    {
        final long now = System.nanoTime();
        tokens = Math.min(BURST, tokens + (now - lastRefillNs) * PER_SECOND / 1e9);
        lastRefillNs = now;
        if (tokens < 1)
        {
            suppressed++;
            lineLength = 0;
            return;
        }
        tokens--;
        if (suppressed > 0)
        {
            emit(("pipesfs: " + suppressed + " messages suppressed (more than " + PER_SECOND + " a second)\n")
                .getBytes(StandardCharsets.UTF_8), -1);
            suppressed = 0;
        }
        emit(line, lineLength);
        lineLength = 0;
    }

    private void emit(final byte[] bytes, final int length) throws IOException
    {
        final int n = length < 0 ? bytes.length : length;
        if (file != null && written + n + 1 > MAX_BYTES)
        {
            written = 0;
            openAsStdout(file);
        }
        out.write(bytes, 0, n);
        if (length >= 0)
        {
            out.write('\n');
        }
        written += n + 1;
        recent.add(bytes, length < 0 ? n - 1 : n);
    }
}
