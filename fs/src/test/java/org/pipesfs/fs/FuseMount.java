package org.pipesfs.fs;

import org.pipesfs.fs.os.MountPoints;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PipesFS mount in a fresh temp directory, served by a child JVM in the foreground.
 * Closing it always unmounts, ends the server and removes the directory, even after a
 * failed test.
 */
final class FuseMount implements AutoCloseable
{
    final Path dir;
    final Process server;
    final Path log;

    private FuseMount(final Path dir, final Process server, final Path log)
    {
        this.dir = dir;
        this.server = server;
        this.log = log;
    }

    static FuseMount start(final String... options) throws Exception
    {
        return startIn("pipesfs-mnt", options);
    }

    /** Like {@link #start} in a temp directory whose name begins with {@code prefix}. */
    static FuseMount startIn(final String prefix, final String... options) throws Exception
    {
        return launch(prefix, null, options);
    }

    /** Like {@link #start}, with the server's standard input read from {@code input}. */
    static FuseMount startWithInput(final Path input, final String... options) throws Exception
    {
        return launch("pipesfs-mnt", input, options);
    }

    private static FuseMount launch(final String prefix, final Path input, final String... options) throws Exception
    {
        final Path dir = Files.createTempDirectory(prefix);
        final Path log = Files.createTempFile("pipesfs-server", ".log");
        final List<String> args = new ArrayList<>(List.of("mount", "-f"));
        args.addAll(List.of(options));
        args.add(dir.toString());
        final ProcessBuilder builder = new ProcessBuilder(Shell.pipesfs(args.toArray(new String[0])))
            .redirectErrorStream(true).redirectOutput(log.toFile());
        if (input != null)
        {
            builder.redirectInput(input.toFile());
        }
        final Process server = builder.start();
        final FuseMount mount = new FuseMount(dir, server, log);
        final long deadline = System.currentTimeMillis() + 30_000;
        while (!MountPoints.isFuseMount(dir))
        {
            if (!server.isAlive() || System.currentTimeMillis() > deadline)
            {
                final String output = Files.readString(log);
                mount.close();
                throw new AssertionError("server did not mount: " + output);
            }
            Thread.sleep(20);
        }
        return mount;
    }

    Path path(final String name)
    {
        return dir.resolve(name);
    }

    String stats() throws IOException
    {
        return Files.readString(path(".stats"));
    }

    long stat(final String key) throws IOException
    {
        return stat("", key);
    }

    /** A counter from the {@code .stats} of the node at {@code node} ("" for the root). */
    long stat(final String node, final String key) throws IOException
    {
        for (final String line : Files.readString(path(node.isEmpty() ? ".stats" : node + "/.stats")).split("\n"))
        {
            final String[] kv = line.split(" ", 2);
            if (kv[0].equals(key))
            {
                return Long.parseLong(kv[1].trim());
            }
        }
        throw new AssertionError("no " + key + " in .stats");
    }

    /**
     * Waits up to 10 s for the node's open readers to reach {@code expected}, then asserts it:
     * the kernel sends a file's RELEASE after close(2) returns, so a reader that has exited may
     * still count for a moment.
     */
    void awaitReaders(final String node, final long expected) throws Exception
    {
        final long deadline = System.currentTimeMillis() + 10_000;
        while (stat(node, "readers") != expected && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(20);
        }
        org.assertj.core.api.Assertions.assertThat(stat(node, "readers")).as("readers of /" + node).isEqualTo(expected);
    }

    /** Unmounts with fusermount and returns the server's exit code. */
    int unmount() throws Exception
    {
        new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).inheritIO().start().waitFor();
        if (!server.waitFor(15, TimeUnit.SECONDS))
        {
            Shell.kill(server);
            throw new AssertionError("server did not exit after unmount");
        }
        return server.exitValue();
    }

    public void close() throws Exception
    {
        try
        {
            if (server.isAlive())
            {
                unmount();
            }
        }
        finally
        {
            if (server.isAlive())
            {
                Shell.kill(server);
            }
            if (MountPoints.isFuseMount(dir))
            {
                new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).inheritIO().start().waitFor();
            }
            MountPoints.await(dir, false, 5_000);
            Files.deleteIfExists(dir);
            Files.deleteIfExists(log);
        }
    }
}
