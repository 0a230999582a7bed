package org.pipesfs.fs;

import org.pipesfs.nic.synthetic.SyntheticCapture;
import org.pipesfs.nic.synthetic.TrafficMix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code pipesfs synth FILE}: writes the synthetic source's traffic to a pcap file
 * ({@link SyntheticCapture}), for replay tests and benchmarks.
 */
@Command(name = "synth", mixinStandardHelpOptions = true, description = "Write synthetic traffic to a pcap file.")
final class SynthCommand implements Callable<Integer>
{
    @Option(names = "--count", paramLabel = "N", description = "frames to write (default 100000)")
    long count = 100_000;

    @Option(names = "--size", paramLabel = "SIZE", description = "stop once the file reaches SIZE, e.g. 1G")
    String size;

    @Option(names = "--seed", paramLabel = "S", description = "generator seed (default 1)")
    long seed = 1;

    @Option(names = "--mix", paramLabel = "MIX",
        description = "default (the synthetic source's traffic) or web (mostly HTTP, multi-segment responses)")
    String mix = "default";

    @Parameters(paramLabel = "FILE")
    Path file;

    public Integer call() throws Exception
    {
        final long limit = size == null ? Long.MAX_VALUE : parseBytes(size);
        final TrafficMix trafficMix = parseMix(mix);
        if (trafficMix == null)
        {
            System.err.println("pipesfs: unknown --mix '" + mix + "': use default or web");
            return 2;
        }
        final SyntheticCapture.Written written;
        try
        {
            written = SyntheticCapture.write(file, seed, trafficMix, size == null ? count : Long.MAX_VALUE, limit);
        }
        catch (final java.io.IOException ex)
        {
            System.err.println("pipesfs: cannot write " + file + ": " + ex);
            return 1;
        }
        System.err.println("pipesfs: wrote " + written.frames() + " frames, " + written.bytes() + " bytes to " + file);
        return 0;
    }

    private static TrafficMix parseMix(final String text)
    {
        return switch (text)
        {
            case "default" -> TrafficMix.DEFAULT;
            case "web" -> TrafficMix.WEB;
            default -> null;
        };
    }

    private static long parseBytes(final String text)
    {
        final String s = text.trim().toUpperCase(java.util.Locale.ROOT);
        final long unit = s.endsWith("G") ? 1L << 30 : s.endsWith("M") ? 1L << 20 : s.endsWith("K") ? 1L << 10 : 1;
        return Long.parseLong(unit == 1 ? s : s.substring(0, s.length() - 1)) * unit;
    }
}
