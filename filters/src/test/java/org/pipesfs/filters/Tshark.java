package org.pipesfs.filters;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * tshark as the reference decoder for tests. Published in this module's test jar, so the fs
 * tests compare with the same code.
 */
public final class Tshark
{
    private Tshark()
    {
    }

    /** Runs tshark with {@code args} and returns what it printed; fails the test if it fails. */
    public static String run(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("tshark"));
        command.addAll(List.of(args));
        try
        {
            final Path out = Files.createTempFile("tshark", ".out");
            try
            {
                final Process process = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (!process.waitFor(600, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    throw new AssertionError("tshark did not finish: " + command);
                }
                if (process.exitValue() != 0)
                {
                    throw new AssertionError("tshark exited " + process.exitValue() + ": " + command);
                }
                return Files.readString(out, StandardCharsets.ISO_8859_1);
            }
            finally
            {
                Files.deleteIfExists(out);
            }
        }
        catch (final IOException ex)
        {
            throw new AssertionError("cannot run tshark", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running tshark", ex);
        }
    }

    /** tshark's reassembly: class name (SRC.SPORT-DST.DPORT) to the bytes of that direction. */
    public static Map<String, byte[]> follow(final Path capture)
    {
        final int streams = (int)run("-n", "-r", capture.toString(), "-T", "fields", "-e", "tcp.stream").lines()
            .filter(line -> !line.isBlank()).distinct().count();
        final StringBuilder follows = new StringBuilder();
        for (int i = 0; i < streams; i++)
        {
            follows.append(" -z follow,tcp,raw,").append(i);
        }
        final List<String> args = new ArrayList<>(List.of("-n", "-r", capture.toString(), "-q"));
        args.addAll(List.of(follows.toString().trim().split(" ")));
        final String out = streams == 0 ? "" : run(args.toArray(new String[0]));
        final Map<String, ByteArrayOutputStream> flows = new LinkedHashMap<>();
        String forward = null;
        String backward = null;
        String node0 = null;
        for (final String line : out.split("\n"))
        {
            if (line.startsWith("Node 0: "))
            {
                node0 = endpoint(line.substring(8));
            }
            else if (line.startsWith("Node 1: "))
            {
                final String node1 = endpoint(line.substring(8));
                forward = node0 + "-" + node1;
                backward = node1 + "-" + node0;
            }
            else if (forward != null && !line.isBlank() && !line.startsWith("=") && line.trim().matches("[0-9a-f]+"))
            {
                final String flow = line.startsWith("\t") ? backward : forward;
                flows.computeIfAbsent(flow, k -> new ByteArrayOutputStream()).writeBytes(HexFormat.of().parseHex(line.trim()));
            }
        }
        final Map<String, byte[]> bytes = new LinkedHashMap<>();
        flows.forEach((name, stream) -> bytes.put(name, stream.toByteArray()));
        return bytes;
    }

    /** "10.0.0.1:80" or "[2001:db8::1]:80" as "10.0.0.1.80" or "2001:db8::1.80". */
    private static String endpoint(final String text)
    {
        final int colon = text.lastIndexOf(':');
        final String address = text.substring(0, colon).replace("[", "").replace("]", "");
        return address + "." + text.substring(colon + 1);
    }
}
