package org.pipesfs.fs;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.fs.export.Exports;
import org.pipesfs.fs.files.PipesFs;
import org.pipesfs.fs.files.RecentMessages;
import org.pipesfs.fs.files.SourcePump;
import org.pipesfs.fs.fuse.LargeReads;
import org.pipesfs.fs.os.HugePages;
import org.pipesfs.fs.os.MountPoints;
import org.pipesfs.fs.os.MountTableChanges;
import org.pipesfs.nic.FrameSource;
import org.pipesfs.nic.Sources;
import org.pipesfs.nic.pcap.PcapStdinSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code pipesfs mount}: builds the buffers, graph and source, then serves the mount. Like
 * sshfs it returns once the mount is ready and serves from a detached child process; with
 * {@code -f} it serves in the foreground, where SIGINT or SIGTERM unmounts cleanly.
 */
@Command(name = "mount", mixinStandardHelpOptions = true, description = "Mount PipesFS on MOUNTPOINT.")
final class MountCommand implements Callable<Integer>
{
    @Option(names = "--source", paramLabel = "SPEC", completionCandidates = DocsCommands.SourceKinds.class,
        description = Sources.USAGE + " (default: synthetic)")
    String source = "synthetic";

    @Option(names = "--policy", paramLabel = "lossless|lossy",
        description = "loss policy (default lossless for pcap and synthetic, lossy for live)")
    String policy;

    @Option(names = "--bare", description = "create only the root, not the default tree")
    boolean bare;

    @Option(names = "--paused", description = "mount with the source paused; start it with: echo start > MOUNT/.ctl")
    boolean paused;

    @Option(names = "--buffer", paramLabel = "SIZE", description = "shared data buffer size, e.g. 64M (default 64M)")
    String buffer = "64M";

    @Option(names = "--memory", paramLabel = "SIZE",
        description = "budget for node state: flow tables, reassembly areas, index rings (default: half the JVM heap)")
    String memory;

    @Option(names = "-f", description = "serve in the foreground")
    boolean foreground;

    @Option(names = "-o", paramLabel = "OPT", description = "FUSE mount option, passed through (e.g. allow_other)")
    List<String> fuseOptions = new ArrayList<>();

    @Option(names = "--kafka", paramLabel = "HOST:PORT[,HOST:PORT...]",
        description = "the Kafka cluster of kafka=TOPIC export nodes and of a kafka: source")
    String kafka;

    @Option(names = "--log", paramLabel = "FILE",
        description = "log file of the server (default for a background mount: /run/pipesfs/<dir>.log as root, "
            + "else $XDG_RUNTIME_DIR/pipesfs/ or /tmp/pipesfs-<uid>/)")
    Path log;

    @Parameters(paramLabel = "MOUNTPOINT")
    Path mountPoint;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The source's pump, once made; the warm-up runs until it has produced. */
    private volatile SourcePump pump;

    /** What the server logs, for the root {@code .log}. */
    private final RecentMessages messages = new RecentMessages();

    public Integer call() throws Exception
    {
        if (foreground)
        {
            final String problem = ServerLog.install(log, messages);
            if (problem != null)
            {
                return fail(problem);
            }
            startWarmup();
        }
        final Path dir = mountPoint.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir))
        {
            // a FUSE mount whose server died answers every stat with ENOTCONN
            return fail(MountPoints.isFuseMount(dir)
                ? dir + " is a stale mount (its server is gone): clear it with 'fusermount -u " + dir
                    + "' (or 'umount -l " + dir + "'), then mount again"
                : "mount point " + dir + " is not a directory");
        }
        if (MountPoints.isFuseMount(dir))
        {
            return fail(dir + " is already mounted");
        }
        final BufferPolicy bufferPolicy;
        final int bufferBytes;
        final long memoryBytes;
        final FrameSource frames;
        try
        {
            bufferBytes = (int)parseSize("--buffer", buffer, DataBuffer.MIN_CAPACITY, 1L << 30);
            memoryBytes = memory == null ? defaultMemoryBudget() : parseSize("--memory", memory, 1L << 20, 1L << 40);
            frames = Sources.open(source, kafka);
            bufferPolicy = bufferPolicy(frames.isLive());
        }
        catch (final IllegalArgumentException ex)
        {
            return fail(ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            return fail("cannot open source " + source + ": " + ex);
        }
        if (!foreground)
        {
            frames.close();
            return serveInBackground(dir);
        }
        return serve(dir, frames, bufferPolicy, bufferBytes, memoryBytes);
    }

    private int serve(
        final Path dir, final FrameSource frames, final BufferPolicy bufferPolicy, final int bufferBytes, final long memoryBytes)
    {
        final NodeGraph graph;
        try
        {
            graph = MountAssembly.graph(bufferBytes, bufferPolicy, bare, memoryBytes, new HugePages());
        }
        catch (final OutOfMemoryError ex)
        {
            // the frame and header rings, and the written elements' buffer: about 2.5 times --buffer
            frames.close();
            return fail("--buffer " + buffer + ": not enough memory for the buffers (" + ex.getMessage() + ")");
        }
        // A stream on standard input is read up to its global header here, before the mount
        // appears, so that every all.pcap opened has the right link type; a source that cannot
        // start says why before anything is mounted.
        frames.linkType();
        if (frames.problem() != null)
        {
            frames.close();
            return fail(frames.problem());
        }
        final SourcePump pump = new SourcePump(frames, graph, bufferPolicy, paused);
        this.pump = pump;
        final POSIX posix = POSIXFactory.getPOSIX();
        final Exports exports = new Exports(graph, hostName() + ":" + dir, kafka, frames.captureInterface(), bufferPolicy);
        final PipesFs fs = new PipesFs(graph, pump, dir, posix.getuid(), posix.getgid(), messages, exports);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            unmountOnSignal(fs, pump, dir);
            exports.close(); // what lossless exports sent is acknowledged before the JVM goes
        }, "pipesfs-shutdown"));
        pump.start();
        if (System.console() != null && frames.progress() >= 0)
        {
            ProgressLine.start(pump);
        }
        watchForUnmount(fs, dir);
        try
        {
            fs.serve(dir, mountOptions());
        }
        catch (final RuntimeException ex)
        {
            pump.close();
            return fail("cannot mount " + dir + ": " + rootCause(ex));
        }
        fs.shutdown();
        exports.close();
        pump.close();
        return 0;
    }

    /**
     * Starts the JIT warm-up before anything else of the server: the rest of its start-up (the
     * native bindings, the buffers and their huge pages) takes about a second, which the warm-up
     * overlaps, so that the mount is warm sooner after it appears. Never for live capture:
     * warmed on replayed traffic, a live capture's cold burst dropped 4 % (none without).
     */
    private void startWarmup()
    {
        if (Sources.isLive(source))
        {
            return;
        }
        final BufferPolicy warmupPolicy;
        try
        {
            warmupPolicy = bufferPolicy(false);
        }
        catch (final IllegalArgumentException ex)
        {
            return; // the mount reports it
        }
        HotPathWarmup.start(warmupPolicy, bare, this::trafficStarted, source, kafka);
    }

    /**
     * {@code --policy}, or by default lossy for live capture (the wire does not wait for a
     * reader) and lossless for the rest.
     *
     * @throws IllegalArgumentException if {@code --policy} names no policy
     */
    private BufferPolicy bufferPolicy(final boolean live)
    {
        return policy != null ? BufferPolicy.parse(policy) : live ? BufferPolicy.LOSSY : BufferPolicy.LOSSLESS;
    }

    /** Once the mount's source has produced, the warm-up gives way. */
    private boolean trafficStarted()
    {
        final SourcePump started = pump;
        return started != null && started.hasProduced();
    }

    /** How long a new mount must stay up, its server alive, before the command reports it ready. */
    private static final int MOUNT_SETTLE_MS = 150;

    /** The spacing of the three reads that must all miss the mount before it counts as gone. */
    private static final int ABSENT_RECHECK_MS = 100;

    /** The kernel's host name, without a DNS lookup. */
    private static String hostName()
    {
        try
        {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        }
        catch (final java.io.IOException ex)
        {
            return "localhost";
        }
    }

    /**
     * A lazy unmount ({@code fusermount -u -z}) detaches the mount at once but keeps the server
     * serving files still open, so blocked readers would wait forever. Once the mount is gone from
     * mountinfo, end every read with EOF; the kernel then releases the connection and the loop
     * returns.
     */
    private static void watchForUnmount(final PipesFs fs, final Path dir)
    {
        final Thread watcher = new Thread(() ->
        {
            if (!MountPoints.await(dir, true, 60_000))
            {
                return;
            }
            // Unmounted means: gone from mountinfo three times in a row, 100 ms apart. While it
            // is there, the table is read again when it changes (or once a minute, to be safe; the
            // lazy-unmount tests wait 15 s for the server, so they fail if changes go unseen).
            final MountPoints table = new MountPoints(dir);
            try (MountTableChanges changes = new MountTableChanges())
            {
                int absent = 0;
                while (absent < 3)
                {
                    absent = table.isMounted(true) ? 0 : absent + 1;
                    if (absent == 0)
                    {
                        changes.await(60_000);
                    }
                    else
                    {
                        Thread.sleep(ABSENT_RECHECK_MS);
                    }
                }
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            fs.endReads();
        }, "pipesfs-unmount-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** SIGINT/SIGTERM in the foreground: end reads, unmount, and wait until the kernel agrees. */
    private static void unmountOnSignal(final PipesFs fs, final SourcePump pump, final Path dir)
    {
        if (!MountPoints.isFuseMount(dir))
        {
            return;
        }
        fs.endReads();
        try
        {
            new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
        catch (final Exception ex)
        {
            System.err.println("pipesfs: fusermount failed: " + ex.getMessage());
        }
        MountPoints.await(dir, false, 5_000);
        pump.close();
    }

    private String[] mountOptions()
    {
        final List<String> options = new ArrayList<>();
        options.add("-o");
        options.add("direct_io,fsname=pipesfs,subtype=pipesfs,max_read=" + LargeReads.MAX_READ + ",big_writes");
        for (final String option : fuseOptions)
        {
            options.add("-o");
            options.add(option.contains("allow_other") ? option + ",default_permissions" : option);
        }
        return options.toArray(new String[0]);
    }

    /** Re-runs this command with {@code -f} in a detached child and returns once it has mounted. */
    private int serveInBackground(final Path dir) throws Exception
    {
        final Path logFile;
        try
        {
            logFile = log != null ? log.toAbsolutePath() : ServerLog.defaultFor(dir);
            ServerLog.rotate(logFile);
        }
        catch (final java.io.IOException ex)
        {
            return fail(ex.getMessage());
        }
        final List<String> command = new ArrayList<>();
        command.add("setsid");
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PipesFsCommand.class.getName());
        command.add("mount");
        command.add("-f");
        if (log == null)
        {
            command.add("--log");
            command.add(logFile.toString());
        }
        final List<String> original = spec.commandLine().getParseResult().originalArgs();
        command.addAll(original.subList(original.indexOf("mount") + 1, original.size()));
        final Process child = new ProcessBuilder(command)
            .redirectInput(PcapStdinSource.SPEC.equals(source)
                ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        final long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline)
        {
            if (MountPoints.isFuseMount(dir) && child.isAlive())
            {
                // libfuse mounts before it parses its own options, and unmounts again if they
                // are bad: a mount is ready only if it is still there, its server still alive.
                Thread.sleep(MOUNT_SETTLE_MS);
                if (child.isAlive() && MountPoints.isFuseMount(dir))
                {
                    return 0;
                }
            }
            if (!child.isAlive())
            {
                System.err.print(tail(logFile));
                return child.exitValue() == 0 ? 1 : child.exitValue();
            }
            Thread.sleep(20);
        }
        child.destroy();
        return fail("mount did not become ready within 60 s; see " + logFile);
    }

    private static String tail(final Path logFile)
    {
        try
        {
            final List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())) + "\n";
        }
        catch (final Exception ex)
        {
            return "pipesfs: the server exited before it wrote " + logFile + "\n";
        }
    }

    /** A size such as {@code 64M} or {@code 1G}, for {@code option}, within [{@code min}, {@code max}] bytes. */
    static long parseSize(final String option, final String text, final long min, final long max)
    {
        final String s = text.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long multiplier = 1;
        String digits = s;
        if (s.endsWith("K") || s.endsWith("M") || s.endsWith("G"))
        {
            multiplier = s.endsWith("K") ? 1L << 10 : s.endsWith("M") ? 1L << 20 : 1L << 30;
            digits = s.substring(0, s.length() - 1);
        }
        final long bytes;
        try
        {
            bytes = Long.parseLong(digits) * multiplier;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("bad " + option + " size '" + text + "': use e.g. 64M or 1G");
        }
        if (bytes < min || bytes > max)
        {
            throw new IllegalArgumentException(option + " must be between " + (min >> 20) + "M and " + (max >> 20)
                + "M, not " + text);
        }
        return bytes;
    }

    /**
     * Half the heap: node state (a {@code stream} node's flow table is about 7 MiB) lives there,
     * and the other half is left for the JVM's own work, so the budget refuses before the heap fails.
     */
    private static long defaultMemoryBudget()
    {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    private static String rootCause(final Throwable t)
    {
        Throwable cause = t;
        while (cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return String.valueOf(cause.getMessage());
    }

    private static int fail(final String message)
    {
        System.err.println("pipesfs: " + message);
        return 2;
    }
}
