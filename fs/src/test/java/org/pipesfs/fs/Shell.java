package org.pipesfs.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs real shell commands for tests, killing them if they overrun so nothing is left behind. */
final class Shell
{
    record Result(int exit, String out, String err)
    {
    }

    private Shell()
    {
    }

    static Result run(final long timeoutSeconds, final String script) throws IOException, InterruptedException
    {
        final Path out = Files.createTempFile("pipesfs-test", ".out");
        final Path err = Files.createTempFile("pipesfs-test", ".err");
        try
        {
            final Process process = new ProcessBuilder("bash", "-c", script)
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                kill(process);
                throw new AssertionError("command did not finish within " + timeoutSeconds + " s: " + script
                    + "\nstderr: " + Files.readString(err));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                Files.readString(err, StandardCharsets.ISO_8859_1));
        }
        finally
        {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Kills a process and all its descendants. */
    static void kill(final Process process)
    {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    static void signal(final long pid, final String signal) throws IOException, InterruptedException
    {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
    }

    /** The java command that starts pipesfs in a child JVM with the test classpath. */
    static List<String> pipesfs(final String... args)
    {
        final List<String> command = new java.util.ArrayList<>(List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            // the launcher's heap policy (G1, small floor, bounded free share), with a smaller ceiling
            "-XX:+UseG1GC", "-Xms64m", "-Xmx512m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
            "-cp", System.getProperty("java.class.path"),
            PipesFsCommand.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** {@link #pipesfs} as one shell word list, each argument single-quoted, for scripts that run it. */
    static String pipesfsQuoted(final String... args)
    {
        final StringBuilder line = new StringBuilder();
        for (final String arg : pipesfs(args))
        {
            line.append(line.length() == 0 ? "" : " ").append('\'').append(arg.replace("'", "'\\''")).append('\'');
        }
        return line.toString();
    }
}
