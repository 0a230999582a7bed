package org.pipesfs.fs;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.nic.pcap.PcapFileWriter;
import org.pipesfs.nic.pcap.PcapFormat;
import org.pipesfs.nic.synthetic.SyntheticGenerator;
import org.pipesfs.nic.synthetic.TrafficMix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code pipesfs synth FILE}: writes the synthetic source's traffic to a pcap file, for
 * replay tests and benchmarks. Timestamps advance 10 µs per frame from a fixed epoch, so the
 * whole file, not only its frames, is determined by the seed.
 */
@Command(name = "synth", mixinStandardHelpOptions = true, description = "Write synthetic traffic to a pcap file.")
final class SynthCommand implements Callable<Integer>
{
    private static final long EPOCH_NS = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z

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
        final SyntheticGenerator generator = new SyntheticGenerator(seed, trafficMix);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[SyntheticGenerator.MAX_FRAME]);
        long bytes = PcapFormat.GLOBAL_HEADER_LENGTH;
        long written = 0;
        try (PcapFileWriter writer = new PcapFileWriter(file, PcapFormat.LINKTYPE_ETHERNET))
        {
            while ((size != null || written < count) && bytes < limit)
            {
                final int length = generator.next(frame, 0);
                writer.write(frame, 0, length, EPOCH_NS + written * 10_000L);
                bytes += PcapFormat.RECORD_HEADER_LENGTH + length;
                written++;
            }
        }
        catch (final java.io.IOException ex)
        {
            System.err.println("pipesfs: cannot write " + file + ": " + ex);
            return 1;
        }
        System.err.println("pipesfs: wrote " + written + " frames, " + bytes + " bytes to " + file);
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
