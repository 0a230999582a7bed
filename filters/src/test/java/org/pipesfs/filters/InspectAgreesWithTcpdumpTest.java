package org.pipesfs.filters;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFrame;
import org.pipesfs.nic.pcap.CaptureReader;
import org.pipesfs.nic.pcap.PcapFileWriter;
import org.pipesfs.nic.synthetic.SyntheticCapture;
import org.pipesfs.nic.synthetic.TrafficMix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code inspect} prints what {@code tcpdump -nn -r} prints, line for line, for every frame of
 * every shared capture tcpdump can read.
 */
class InspectAgreesWithTcpdumpTest
{
    @Test
    void everyLineOfEverySharedCaptureIsTcpdumps() throws Exception
    {
        final List<String> differences = new ArrayList<>();
        int lines = 0;
        int same = 0;
        try (var captures = Files.list(Captures.DIR))
        {
            for (final Path capture : captures.sorted().toList())
            {
                final List<String> expected = tcpdump(capture);
                if (expected == null)
                {
                    continue; // not a capture: tcpdump refuses it, and so does the mount
                }
                // tcpdump stops where libpcap stops (a pcapng interface of another link type): compare what it printed
                final List<String> actual = ours(capture);
                assertThat(actual.size()).as(capture.getFileName().toString()).isGreaterThanOrEqualTo(expected.size());
                for (int i = 0; i < expected.size(); i++)
                {
                    lines++;
                    if (expected.get(i).equals(actual.get(i)))
                    {
                        same++;
                    }
                    else
                    {
                        differences.add(capture.getFileName() + " #" + (i + 1) + "\n  tcpdump " + expected.get(i)
                            + "\n  inspect " + actual.get(i));
                    }
                }
            }
        }
        System.out.printf("inspect equals tcpdump -nn on %d of %d lines (%.1f %%)%n", same, lines, 100.0 * same / lines);
        assertThat(lines).isGreaterThanOrEqualTo(100);
        assertThat(differences).isEmpty();
    }

    @TempDir
    Path dir;

    /** Synthetic traffic, and every shared frame cut at a random length (tcpdump's "[|proto]"). */
    @Test
    void syntheticAndCutFramesMatchTcpdump() throws Exception
    {
        final Path synthetic = dir.resolve("synthetic.pcap");
        SyntheticCapture.write(synthetic, 5, TrafficMix.DEFAULT, 20_000, Long.MAX_VALUE);
        final Path cut = dir.resolve("cut.pcap");
        final java.util.Random random = new java.util.Random(9);
        try (PcapFileWriter cutWriter = new PcapFileWriter(cut, 1))
        {
            for (final String name : List.of("http.pcap", "dns_icmp.pcap", "test_ethernet.pcap", "truncated_dns.pcap", "be.pcap"))
            {
                try (CaptureReader reader = CaptureReader.open(Captures.of(name)))
                {
                    while (reader.next())
                    {
                        if (reader.linkType() != 1)
                        {
                            continue;
                        }
                        final int length = 1 + random.nextInt(reader.capturedLength());
                        cutWriter.write(reader.buffer(), reader.offset(), length, reader.originalLength(), reader.timestampNs());
                    }
                }
            }
        }
        final List<String> differences = new ArrayList<>();
        int lines = 0;
        for (final Path capture : List.of(synthetic, cut))
        {
            final List<String> expected = tcpdump(capture);
            final List<String> actual = ours(capture);
            assertThat(actual).as(capture.getFileName().toString()).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++)
            {
                lines++;
                if (!expected.get(i).equals(actual.get(i)))
                {
                    differences.add(capture.getFileName() + " #" + (i + 1) + "\n  tcpdump " + expected.get(i)
                        + "\n  inspect " + actual.get(i));
                }
            }
        }
        System.out.printf("synthetic and cut frames: inspect equals tcpdump -nn on %d of %d lines%n",
            lines - differences.size(), lines);
        assertThat(differences).isEmpty();
    }

    private static List<String> ours(final Path capture)
    {
        final DataBuffer data = new DataBuffer(16 << 20, BufferPolicy.LOSSY);
        final InspectFormat format = new InspectFormat();
        final UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 16]);
        final List<String> lines = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            while (reader.next())
            {
                final long position = data.append(reader.buffer(), reader.offset(), reader.capturedLength(),
                    reader.originalLength(), reader.timestampNs(), reader.linkType());
                final int n = format.length(data, position, 0, reader.capturedLength(), ElementFrame.RECORD);
                format.copy(data, position, 0, reader.capturedLength(), ElementFrame.RECORD, 0, out, 0, n);
                lines.add(out.getStringWithoutLengthAscii(0, n - 1));
            }
        }
        return lines;
    }

    /** tcpdump's lines in UTC, or null if tcpdump cannot read the file. */
    private static List<String> tcpdump(final Path capture) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder("tcpdump", "-nn", "-r", capture.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("TZ", "UTC");
        final Process process = builder.start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        if (process.exitValue() != 0 && out.isEmpty())
        {
            return null;
        }
        return out.lines().toList();
    }
}
