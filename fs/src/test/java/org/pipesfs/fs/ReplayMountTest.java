package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pipesfs.filters.Captures;
import org.pipesfs.fs.os.MountPoints;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Replays of the shared captures through a real mount, checked against tcpdump and tshark. */
class ReplayMountTest
{
    /** Mounts paused, starts {@code cat all.pcap > out}, starts the source, waits for EOF. */
    static Path replay(final FuseMount mount, final Path out) throws Exception
    {
        return replay(mount, out, "all.pcap");
    }

    /** Like {@link #replay(FuseMount, Path)}, reading {@code file} (e.g. {@code ip/tcp/all.pcap}). */
    static Path replay(final FuseMount mount, final Path out, final String file) throws Exception
    {
        final Process cat = new ProcessBuilder("cat", mount.path(file).toString())
            .redirectOutput(out.toFile()).start();
        final String node = file.contains("/") ? file.substring(0, file.lastIndexOf('/')) : "";
        try
        {
            while (mount.stat(node, "readers") == 0)
            {
                Thread.sleep(10);
            }
            Files.writeString(mount.path(".ctl"), "start\n");
            assertThat(cat.waitFor(30, TimeUnit.SECONDS)).as("reader sees end of file at end of capture").isTrue();
            assertThat(cat.exitValue()).isZero();
            return out;
        }
        finally
        {
            Shell.kill(cat);
        }
    }

    static String tcpdump(final Path file) throws Exception
    {
        return Shell.run(30, "tcpdump -nn -r " + file + " 2>/dev/null").out();
    }

    /** Captured bytes as tshark reads them: records and their total captured length. */
    static long[] tsharkCountAndBytes(final Path file) throws Exception
    {
        final String lengths = Shell.run(60, "tshark -n -r " + file + " -T fields -e frame.cap_len 2>/dev/null").out();
        long count = 0;
        long bytes = 0;
        for (final String line : lengths.split("\n"))
        {
            if (!line.isBlank())
            {
                count++;
                bytes += Long.parseLong(line.trim());
            }
        }
        return new long[] {count, bytes};
    }

    @Test
    void captureThatShrinksDuringReplayStopsTheSourceAndDeliversEverythingBefore() throws Exception
    {
        final int frames = 4000;
        final int frameLength = 1000;
        final Path capture = Files.createTempFile("shrinking", ".pcap");
        final ByteBuffer file = ByteBuffer.allocate(24 + frames * (16 + frameLength)).order(ByteOrder.LITTLE_ENDIAN);
        file.putInt(0xa1b2c3d4).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(1);
        for (int i = 0; i < frames; i++)
        {
            file.putInt(1_700_000_000).putInt(i).putInt(frameLength).putInt(frameLength);
            for (int k = 0; k < frameLength; k++)
            {
                file.put((byte)(i + k));
            }
        }
        Files.write(capture, file.array());
        try (FuseMount mount = FuseMount.start("--paused", "--buffer", "1M", "--source", "pcap:" + capture);
             InputStream in = Files.newInputStream(mount.path("all")))
        {
            assertThat(mount.stats()).contains("policy lossless\n");
            while (mount.stat("readers") == 0)
            {
                Thread.sleep(10);
            }
            Files.writeString(mount.path(".ctl"), "start\n");
            // Nobody reads yet, so the lossless producer stops once the 1 MiB buffer is full.
            long before;
            long packets = -1;
            do
            {
                before = packets;
                Thread.sleep(200);
                packets = mount.stat("packets");
            }
            while (packets != before);
            assertThat(packets).isBetween(1L, frames - 1L);
            try (FileChannel channel = FileChannel.open(capture, StandardOpenOption.WRITE))
            {
                channel.truncate(24);
            }
            final long read = in.transferTo(OutputStream.nullOutputStream());
            assertThat(read % frameLength).isZero();
            assertThat(read / frameLength).as("every frame replayed before the fault is delivered")
                .isGreaterThanOrEqualTo(packets).isLessThan(frames);
            assertThat(mount.stats()).contains("state stopped\n");
            assertThat(Files.readString(mount.log)).contains("the file shrank while it was being replayed");
        }
        finally
        {
            Files.deleteIfExists(capture);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http.pcap", "dns_icmp.pcap", "test_ethernet.pcap", "be.pcap", "truncated_dns.pcap",
        "le-test001.pcapng", "be-test010.pcapng"})
    void replayMatchesTcpdumpInCountBytesAndDecodedOutput(final String name) throws Exception
    {
        final Path capture = Captures.of(name);
        final Path out = Files.createTempFile("replay", ".pcap");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
        {
            assertThat(mount.stats()).contains("state paused\n").contains("packets 0\n");
            replay(mount, out);
            final long[] expected = tsharkCountAndBytes(capture);
            assertThat(mount.stat("packets")).isEqualTo(expected[0]);
            assertThat(mount.stat("bytes")).isEqualTo(expected[1]);
            assertThat(mount.stats()).contains("state ended\n").contains("progress 1.0000\n");
            final String original = tcpdump(capture);
            assertThat(original.lines().count()).isEqualTo(expected[0]);
            assertThat(tcpdump(out)).as("all.pcap decodes exactly like the original").isEqualTo(original);
        }
        finally
        {
            Files.deleteIfExists(out);
        }
    }

    /** Rewrites http.pcap's Ethernet frames under another link-layer header. */
    static Path relink(final Path dir, final int linkType) throws Exception
    {
        final Path file = dir.resolve("http-" + linkType + ".pcap");
        final org.agrona.concurrent.UnsafeBuffer frame = new org.agrona.concurrent.UnsafeBuffer(new byte[70_000]);
        try (org.pipesfs.nic.pcap.CaptureReader reader = org.pipesfs.nic.pcap.CaptureReader.open(Captures.of("http.pcap"));
            org.pipesfs.nic.pcap.PcapFileWriter writer = new org.pipesfs.nic.pcap.PcapFileWriter(file, linkType))
        {
            while (reader.next())
            {
                final int ip = reader.capturedLength() - 14;
                final int header = switch (linkType)
                {
                    case 101 -> 0;
                    case 113 -> 16;
                    case 0 -> 4;
                    default -> throw new IllegalArgumentException();
                };
                frame.setMemory(0, header, (byte)0);
                if (linkType == 113)
                {
                    frame.putShort(14, (short)0x0800, java.nio.ByteOrder.BIG_ENDIAN);
                }
                else if (linkType == 0)
                {
                    frame.putInt(0, 2, java.nio.ByteOrder.LITTLE_ENDIAN);
                }
                frame.putBytes(header, reader.buffer(), reader.offset() + 14, ip);
                writer.write(frame, 0, header + ip, reader.timestampNs());
            }
        }
        return file;
    }

    @ParameterizedTest
    @ValueSource(ints = {101, 113, 0})
    void rawIpLinuxCookedAndBsdLoopbackCapturesReplayWithTheirLinkType(final int linkType) throws Exception
    {
        final Path dir = Files.createTempDirectory("relink");
        final Path capture = relink(dir, linkType);
        final Path out = dir.resolve("out.pcap");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
        {
            replay(mount, out);
            final String original = tcpdump(capture);
            assertThat(original).contains("HTTP: GET /download.html");
            assertThat(tcpdump(out)).isEqualTo(original);
        }
        finally
        {
            Files.deleteIfExists(out);
            Files.deleteIfExists(capture);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void recordsCutShortWhenCapturedAreCountedAndReported() throws Exception
    {
        final Path capture = Captures.of("truncated_dns.pcap");
        final Path out = Files.createTempFile("replay", ".pcap");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
        {
            replay(mount, out);
            assertThat(mount.stats()).contains("packets 1\n").contains("truncated_records 1\n");
            assertThat(Files.readString(mount.log)).contains("replayed 1 records; 1 of them were cut short when captured");
            assertThat(tcpdump(out)).isEqualTo(tcpdump(capture)).contains("[|domain]");
        }
        finally
        {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void pcapngWithSeveralLinkTypesReplaysEveryRecordOfEveryInterface() throws Exception
    {
        // tcpdump stops at the second interface ("type 0 different from the first"); tshark reads all.
        final Path capture = Captures.of("le-test100.pcapng");
        final Path out = Files.createTempFile("replay", ".pcap");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
        {
            replay(mount, out);
            final long[] expected = tsharkCountAndBytes(capture);
            assertThat(expected[0]).isGreaterThan(1);
            assertThat(mount.stat("packets")).isEqualTo(expected[0]);
            assertThat(mount.stat("bytes")).isEqualTo(expected[1]);
        }
        finally
        {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void captureCutMidRecordReplaysItsWholeRecordsThenReportsTheTruncation() throws Exception
    {
        final Path cut = Files.createTempFile("cut", ".pcap");
        final Path out = Files.createTempFile("replay", ".pcap");
        final byte[] whole = Files.readAllBytes(Captures.of("http.pcap"));
        Files.write(cut, java.util.Arrays.copyOf(whole, 10_000));
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + cut))
        {
            replay(mount, out);
            final String expected = tcpdump(cut);
            assertThat(tcpdump(out)).isEqualTo(expected);
            assertThat(mount.stat("packets")).isEqualTo(expected.lines().count()).isPositive();
            assertThat(mount.stats()).containsPattern("problem .*truncated after \\d+ whole records");
            assertThat(Files.readString(mount.log)).contains("truncated after");
        }
        finally
        {
            Files.deleteIfExists(cut);
            Files.deleteIfExists(out);
        }
    }

    @Test
    void loopReplaysTheFileNTimesAndSpeedPacesByTimestamps() throws Exception
    {
        final Path capture = Captures.of("test_ethernet.pcap");
        final Path out = Files.createTempFile("replay", ".pcap");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture + ":loop=3"))
        {
            replay(mount, out);
            final String once = tcpdump(capture);
            assertThat(tcpdump(out)).isEqualTo(once + once + once);
        }
        // dns_icmp.pcap spans about 2.5 s of capture time; at 10x it takes about 0.25 s, at 1x about 2.5 s.
        final Path paced = Captures.of("dns_icmp.pcap");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + paced + ":speed=1x"))
        {
            final long start = System.nanoTime();
            replay(mount, out);
            final long span = captureSpanNs(paced);
            assertThat(System.nanoTime() - start).as("1x replay lasts at least the capture's span").isGreaterThanOrEqualTo(span);
            assertThat(tcpdump(out)).isEqualTo(tcpdump(paced));
        }
        finally
        {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void ctlShowsTheStateAndPauseStopAndBadCommandsBehave() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "synthetic:rate=1000"))
        {
            assertThat(Files.readString(mount.path(".ctl"))).isEqualTo("paused\n");
            assertThat(Shell.run(10, "echo start > " + mount.path(".ctl")).exit()).isZero();
            assertThat(Files.readString(mount.path(".ctl"))).isEqualTo("running\n");
            assertThat(Shell.run(10, "echo pause > " + mount.path(".ctl")).exit()).isZero();
            assertThat(Files.readString(mount.path(".ctl"))).isEqualTo("paused\n");
            final Shell.Result bad = Shell.run(10, "echo explode > " + mount.path(".ctl"));
            assertThat(bad.exit()).isNotZero();
            assertThat(bad.err()).contains("Invalid argument");
            assertThat(Files.readString(mount.log)).contains(".ctl: unknown command 'explode'");
            final Shell.Result stats = Shell.run(10, "echo x > " + mount.path(".stats"));
            assertThat(stats.err()).contains("Permission denied");

            final Process cat = new ProcessBuilder("cat", mount.path("all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                Files.writeString(mount.path(".ctl"), "start\n");
                Files.writeString(mount.path(".ctl"), "stop\n");
                assertThat(cat.waitFor(10, TimeUnit.SECONDS)).as("stop ends the stream").isTrue();
                assertThat(Files.readString(mount.path(".ctl"))).isEqualTo("stopped\n");
            }
            finally
            {
                Shell.kill(cat);
            }
        }
    }

    @Test
    void pauseAtCapturePaceResumesWhereItStoppedWithoutABurst() throws Exception
    {
        // dns_icmp.pcap spans 13.1 s of capture time, 32 records spread over it: 3.3 s at 4x
        final Path paced = Captures.of("dns_icmp.pcap");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + paced + ":speed=4x"))
        {
            final Process cat = new ProcessBuilder("cat", mount.path("all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                mount.awaitReaders("", 1);
                Files.writeString(mount.path(".ctl"), "start\n");
                Thread.sleep(1_000);
                Files.writeString(mount.path(".ctl"), "pause\n");
                final double before = progress(mount);
                Thread.sleep(2_500);
                assertThat(progress(mount)).as("nothing while paused").isEqualTo(before);
                final long resumed = System.nanoTime();
                Files.writeString(mount.path(".ctl"), "start\n");
                Thread.sleep(200);
                final double after = progress(mount);
                assertThat(after - before).as("0.2 s at 4x is 0.8 s of capture, not the 10 s a burst would catch up")
                    .isLessThan(0.25);
                assertThat(cat.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat((System.nanoTime() - resumed) / 1e9).as("the rest takes its own time")
                    .isGreaterThan(1.5);
            }
            finally
            {
                Shell.kill(cat);
            }
        }
    }

    private static double progress(final FuseMount mount) throws Exception
    {
        for (final String line : mount.stats().split("\n"))
        {
            if (line.startsWith("progress "))
            {
                return Double.parseDouble(line.substring(9));
            }
        }
        throw new AssertionError("no progress in .stats");
    }

    @Test
    void startAfterStopIsRefusedWithTheReasonAndTheSourceStaysStopped() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "synthetic:rate=1000"))
        {
            final String ctl = mount.path(".ctl").toString();
            assertThat(Shell.run(10, "echo stop > " + ctl).exit()).isZero();
            for (final String command : new String[] {"start", "pause"})
            {
                final Shell.Result again = Shell.run(10, "echo " + command + " > " + ctl);
                assertThat(again.exit()).as(command).isNotZero();
                assertThat(again.err()).contains("Invalid argument");
            }
            assertThat(Files.readString(mount.path(".ctl"))).isEqualTo("stopped\n");
            assertThat(mount.stat("packets")).isZero();
            assertThat(Files.readString(mount.log)).contains("the source has stopped and does not start again: mount again to replay");
            assertThat(Shell.run(10, "echo stop > " + ctl).exit()).as("stop again is harmless").isZero();
        }
    }

    @Test
    void pcapOnStandardInputFeedsTheRootInTheForegroundAndInTheBackground() throws Exception
    {
        final Path capture = Captures.of("http.pcap");
        final Path out = Files.createTempFile("stdin", ".pcap");
        try
        {
            try (FuseMount mount = FuseMount.startWithInput(capture, "--source", "pcap:-"))
            {
                assertThat(mount.stats()).contains("source pcap:-\n");
                replay(mount, out);
                assertThat(tcpdump(out)).isEqualTo(tcpdump(capture));
                assertThat(mount.stats()).contains("state ended\n");
            }
            final Path dir = Files.createTempDirectory("pipesfs-stdin");
            try
            {
                final String mountCommand = String.join(" ", Shell.pipesfs("mount", "--source", "pcap:-", dir.toString()));
                final Shell.Result background = Shell.run(60, String.join("\n",
                    "cat " + capture + " | " + mountCommand + " || exit 1",
                    "cat " + dir + "/all.pcap > " + out,
                    "fusermount -u " + dir));
                assertThat(background.exit()).as(background.err()).isZero();
                assertThat(tcpdump(out)).isEqualTo(tcpdump(capture));
            }
            finally
            {
                if (MountPoints.isFuseMount(dir))
                {
                    Shell.run(10, "fusermount -u -z " + dir);
                }
                MountPoints.await(dir, false, 5_000);
                Files.deleteIfExists(dir);
            }
            final Path unused = Files.createTempDirectory("pipesfs-stdin");
            try
            {
                final Shell.Result notPcap = Shell.run(60, "echo 'this is text, and far from a capture' | "
                    + String.join(" ", Shell.pipesfs("mount", "-f", "--source", "pcap:-", unused.toString())));
                assertThat(notPcap.exit()).isNotZero();
                assertThat(notPcap.out() + notPcap.err()).contains("pcap:-: not a pcap stream: magic 0x73696874");
                assertThat(MountPoints.isFuseMount(unused)).as("nothing mounted").isFalse();
            }
            finally
            {
                Files.deleteIfExists(unused);
            }
        }
        finally
        {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void unusableCapturesFailBeforeMountingWithAClearMessage() throws Exception
    {
        final Path dir = Files.createTempDirectory("pipesfs-bad");
        final Path empty = Files.createTempFile("empty", ".pcap");
        try
        {
            for (final List<String> expectation : List.of(
                List.of("pcap:" + Captures.of("malformed.pcap"), "not a pcap or pcapng file"),
                List.of("pcap:" + empty, "empty file"),
                List.of("pcap:/nonexistent/x.pcap", "no such file"),
                List.of("pcap:" + Captures.of("http.pcap") + ":speed=fast", "bad replay speed")))
            {
                final Process process = new ProcessBuilder(Shell.pipesfs("mount", "--source", expectation.get(0),
                    dir.toString())).redirectErrorStream(true).start();
                final String output = new String(process.getInputStream().readAllBytes());
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(process.exitValue()).isNotZero();
                assertThat(output).startsWith("pipesfs: ").contains(expectation.get(1)).hasLineCount(1);
                assertThat(MountPoints.isFuseMount(dir)).isFalse();
            }
        }
        finally
        {
            Files.deleteIfExists(dir);
            Files.deleteIfExists(empty);
        }
    }

    private static long captureSpanNs(final Path capture) throws Exception
    {
        final List<String> times = Shell.run(30, "tcpdump -tt -nn -r " + capture + " 2>/dev/null | cut -d' ' -f1")
            .out().lines().toList();
        final double first = Double.parseDouble(times.get(0));
        final double last = Double.parseDouble(times.get(times.size() - 1));
        return (long)((last - first) * 1e9);
    }
}
