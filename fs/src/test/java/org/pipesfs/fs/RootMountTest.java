package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.pipesfs.fs.os.MountPoints;

import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Real FUSE mounts of the root node, driven by real processes. */
class RootMountTest
{
    private static final String PACKET_LINE =
        "^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} (IP |IP6 |ARP, |\\d\\d:\\d\\d).*";

    @Test
    void bareRootListsItsPipeFilesAndStats() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare"))
        {
            final Shell.Result ls = Shell.run(10, "ls -A " + mount.dir);
            assertThat(ls.out().split("\n")).containsExactlyInAnyOrder(".ctl", ".graph", ".log", ".metrics", ".readers", ".stats", "all", "all.pcap");
            assertThat(mount.stats()).contains("filter root\n").contains("source synthetic:seed=1\n")
                .contains("state running\n").contains("policy lossless\n");
            Thread.sleep(300);
            assertThat(mount.stat("packets")).as("lossless: nothing is generated while nobody reads").isZero();
            assertThat(Shell.run(30, "head -c 100000 " + mount.path("all") + " | wc -c").out().trim()).isEqualTo("100000");
            assertThat(mount.stat("packets")).isPositive();
            assertThat(Shell.run(10, "cat " + mount.path("nothing")).exit()).isNotZero();
        }
    }

    @Test
    void headReadsExactlyAMillionBytesAndExitsAndItsReaderIsReleased() throws Exception
    {
        try (FuseMount mount = FuseMount.start())
        {
            final Shell.Result result = Shell.run(30, "head -c 1000000 " + mount.path("all") + " | wc -c");
            assertThat(result.out().trim()).isEqualTo("1000000");
            mount.awaitReaders("", 0);
            assertThat(mount.stat("elements_out")).isPositive();
        }
    }

    /**
     * The kernel caps a FUSE read at 128 KiB unless INIT negotiates more pages, which libfuse 2
     * never does; pipesfs does ({@code LargeReads}), so one read(2) of 1 MiB gets up to 1 MiB.
     */
    @Test
    void oneReadOfAMebibyteReturnsMoreThanTheKernelsDefault128KiB() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "synthetic:count=20000"))
        {
            final Shell.Result result = Shell.run(30, String.join("\n",
                "exec 3< " + mount.path("all"),
                "stat -c %o " + mount.path("all"),
                "echo start > " + mount.path(".ctl"),
                // lossless: the source fills the 16384-entry ring (about 2 MB of frames) and waits
                "until [ \"$(awk '$1 == \"elements_out\" {print $2}' " + mount.path(".stats") + ")\" -ge 16000 ]; do sleep 0.05; done",
                "dd bs=1M count=1 <&3 2>/dev/null | wc -c"));
            assertThat(result.exit()).as(result.err()).isZero();
            final String[] lines = result.out().trim().split("\n");
            assertThat(lines[0]).as("st_blksize, which cat sizes its reads by").isEqualTo("1048576");
            assertThat(Long.parseLong(lines[1].trim())).as("bytes from one read(2) of 1 MiB")
                .isGreaterThan(1_000_000L).isLessThanOrEqualTo(1L << 20);
        }
    }

    @Test
    void everyReadOfAllReturnsWholeFrames() throws Exception
    {
        try (FuseMount mount = FuseMount.start(); FileInputStream in = new FileInputStream(mount.path("all").toFile()))
        {
            final byte[] buffer = new byte[65536];
            long frames = 0;
            for (int reads = 0; reads < 200; reads++)
            {
                final int n = in.read(buffer);
                assertThat(n).isPositive();
                int at = 0;
                while (at < n)
                {
                    at += frameLength(buffer, at);
                    frames++;
                }
                assertThat(at).as("read %d ends on a frame boundary", reads).isEqualTo(n);
            }
            assertThat(frames).isGreaterThan(200);
        }
    }

    /**
     * Reads of a lossless {@code all} are answered straight from the data buffer and the cursor
     * moves after the reply; a reader's next read can reach another worker first. Through a
     * 1 MiB buffer, lapped a hundred times, small and large reads must still carry every frame
     * of the capture once, in order.
     */
    @Test
    void readsOfAllCarryExactlyTheCapturedFramesThroughASmallBuffer() throws Exception
    {
        final Path dir = Files.createTempDirectory("frames");
        try
        {
            final Path capture = dir.resolve("synthetic.pcap");
            assertThat(PipesFsCommand.execute("synth", "--count", "30000", "--seed", "11", capture.toString())).isZero();
            final byte[] expected = framesOf(Files.readAllBytes(capture));
            try (FuseMount mount = FuseMount.start("--paused", "--buffer", "1M", "--source", "pcap:" + capture))
            {
                final Shell.Result result = Shell.run(60, String.join("\n",
                    "cd " + dir,
                    "dd if=" + mount.path("all") + " of=small.bin bs=4096 2>/dev/null &",
                    "cat " + mount.path("all") + " > large.bin &",
                    "until [ \"$(awk '$1 == \"readers\" {print $2}' " + mount.path(".stats") + ")\" = 2 ]; do sleep 0.02; done",
                    "echo start > " + mount.path(".ctl"),
                    "wait"));
                assertThat(result.exit()).as(result.err()).isZero();
            }
            assertThat(expected.length).isGreaterThan(4_000_000);
            assertThat(Files.readAllBytes(dir.resolve("small.bin"))).as("4 KiB reads").isEqualTo(expected);
            assertThat(Files.readAllBytes(dir.resolve("large.bin"))).as("cat's 1 MiB reads").isEqualTo(expected);
        }
        finally
        {
            Shell.run(10, "rm -rf " + dir);
        }
    }

    /** The frames of a little-endian classic pcap file, back to back. */
    private static byte[] framesOf(final byte[] pcap)
    {
        final ByteBuffer in = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        final java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        for (int at = 24; at < pcap.length; )
        {
            final int captured = in.getInt(at + 8);
            frames.write(pcap, at + 16, captured);
            at += 16 + captured;
        }
        return frames.toByteArray();
    }

    @Test
    void pcapStartsWithTheGlobalHeaderAndEveryReadHoldsWholeRecords() throws Exception
    {
        try (FuseMount mount = FuseMount.start();
            FileInputStream in = new FileInputStream(mount.path("all.pcap").toFile()))
        {
            final byte[] buffer = new byte[65536];
            int n = in.read(buffer);
            final ByteBuffer header = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(header.getInt(0)).isEqualTo(0xa1b23c4d);
            assertThat(header.getShort(4)).isEqualTo((short)2);
            assertThat(header.getShort(6)).isEqualTo((short)4);
            assertThat(header.getInt(20)).as("LINKTYPE_ETHERNET").isEqualTo(1);
            int at = 24;
            for (int reads = 0; reads < 100; reads++)
            {
                while (at < n)
                {
                    final int captured = header.getInt(at + 8);
                    assertThat(captured).isEqualTo(header.getInt(at + 12));
                    assertThat(frameLength(buffer, at + 16)).isEqualTo(captured);
                    at += 16 + captured;
                }
                assertThat(at).isEqualTo(n);
                n = in.read(buffer);
                at = 0;
            }
        }
    }

    @Test
    void tcpdumpReadsTwentyWellFormedPacketsAndFindsNoBadChecksums() throws Exception
    {
        try (FuseMount mount = FuseMount.start())
        {
            final Shell.Result twenty = Shell.run(30,
                "timeout 10 cat " + mount.path("all.pcap") + " | tcpdump -nn -r - -c 20");
            assertThat(twenty.exit()).isZero();
            final List<String> lines = List.of(twenty.out().split("\n"));
            assertThat(lines).hasSize(20).allMatch(line -> line.matches(PACKET_LINE), "a tcpdump packet line");

            final Shell.Result verbose = Shell.run(60,
                "timeout 10 cat " + mount.path("all.pcap") + " | tcpdump -vv -nn -r - -c 5000");
            assertThat(verbose.out()).contains("(correct)").doesNotContainIgnoringCase("bad cksum")
                .doesNotContainIgnoringCase("incorrect").doesNotContainIgnoringCase("truncated");
            mount.awaitReaders("", 0);
        }
    }

    @Test
    void finiteSourceEndsEveryReaderWithEndOfFile() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--source", "synthetic:count=300:rate=200:seed=3"))
        {
            final Shell.Result result = Shell.run(30, "cat " + mount.path("all.pcap") + " | tcpdump -nn -r - | wc -l");
            assertThat(result.out().trim()).as("lossless: the source waited for the reader").isEqualTo("300");
            assertThat(mount.stats()).contains("state ended\n").contains("packets 300\n");
        }
    }

    @Test
    void sigintEndsABlockedCatPromptlyAndReleasesItsReader() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--source", "synthetic:rate=1"))
        {
            final Process cat = new ProcessBuilder("env", "--default-signal=INT", "cat", mount.path("all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                while (mount.stat("readers") == 0)
                {
                    Thread.sleep(10);
                }
                Thread.sleep(100);
                Shell.signal(cat.pid(), "INT");
                assertThat(cat.waitFor(5, TimeUnit.SECONDS)).as("cat ended after SIGINT").isTrue();
                long readers = mount.stat("readers");
                for (int i = 0; i < 100 && readers != 0; i++)
                {
                    Thread.sleep(20);
                    readers = mount.stat("readers");
                }
                assertThat(readers).isZero();
            }
            finally
            {
                Shell.kill(cat);
            }
        }
    }

    @Test
    void fusermountEndsTheServerWithExitZeroAndNoMountRemains() throws Exception
    {
        try (FuseMount mount = FuseMount.start())
        {
            assertThat(mount.unmount()).isZero();
            assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(mount.dir.toString());
        }
    }

    @Test
    void sigtermAndSigintInTheForegroundUnmountCleanly() throws Exception
    {
        for (final String signal : List.of("TERM", "INT"))
        {
            try (FuseMount mount = FuseMount.start())
            {
                final Process reader = new ProcessBuilder("cat", mount.path("all").toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                try
                {
                    Shell.signal(mount.server.pid(), signal);
                    assertThat(mount.server.waitFor(15, TimeUnit.SECONDS)).as("server exits on SIG" + signal).isTrue();
                    assertThat(MountPoints.await(mount.dir, false, 5_000)).as("no stale mount").isTrue();
                    assertThat(reader.waitFor(5, TimeUnit.SECONDS)).as("reader ends").isTrue();
                }
                finally
                {
                    Shell.kill(reader);
                }
            }
        }
    }

    @Test
    void backgroundMountReturnsOnceReadyAndUmountCommandEndsTheServer() throws Exception
    {
        final Path dir = Files.createTempDirectory("pipesfs-bg");
        final Path log = Files.createTempFile("pipesfs-bg", ".log");
        try
        {
            final Process mount = new ProcessBuilder(Shell.pipesfs("mount", "--log", log.toString(), dir.toString()))
                .inheritIO().start();
            assertThat(mount.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(mount.exitValue()).isZero();
            assertThat(MountPoints.isFuseMount(dir)).as("mounted when the command returns").isTrue();
            assertThat(Shell.run(30, "head -c 100000 " + dir.resolve("all") + " | wc -c").out().trim())
                .isEqualTo("100000");

            final Process umount = new ProcessBuilder(Shell.pipesfs("umount", dir.toString())).inheritIO().start();
            assertThat(umount.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(umount.exitValue()).isZero();
            assertThat(MountPoints.isFuseMount(dir)).isFalse();
            final long deadline = System.currentTimeMillis() + 15_000;
            while (serverFor(dir) && System.currentTimeMillis() < deadline)
            {
                Thread.sleep(50);
            }
            assertThat(serverFor(dir)).as("background server exited").isFalse();
        }
        finally
        {
            if (MountPoints.isFuseMount(dir))
            {
                new ProcessBuilder("fusermount", "-u", "-z", dir.toString()).start().waitFor();
            }
            ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(dir.toString()))
                .forEach(ProcessHandle::destroyForcibly);
            MountPoints.await(dir, false, 5_000);
            Files.deleteIfExists(dir);
            Files.deleteIfExists(log);
            Files.deleteIfExists(log.resolveSibling(log.getFileName() + ".1")); // the mount rotates the file it was given
        }
    }

    @Test
    void badArgumentsFailBeforeMountingWithAClearMessage() throws Exception
    {
        final Path dir = Files.createTempDirectory("pipesfs-bad");
        try
        {
            for (final String[] args : List.of(
                new String[] {"mount", "-f", "--source", "bogus:x", dir.toString()},
                new String[] {"mount", "--source", "synthetic:count=-1", dir.toString()},
                new String[] {"mount", "--policy", "sometimes", dir.toString()},
                new String[] {"mount", "--buffer", "12XB", dir.toString()},
                // more than these tests' JVM may allocate (-Xmx512m caps direct memory too)
                new String[] {"mount", "-f", "--buffer", "1G", dir.toString()},
                new String[] {"mount", dir.resolve("missing").toString()}))
            {
                final Process process = new ProcessBuilder(Shell.pipesfs(args)).redirectErrorStream(true).start();
                final String output = new String(process.getInputStream().readAllBytes());
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(process.exitValue()).as(String.join(" ", args)).isNotZero();
                assertThat(output).startsWith("pipesfs: ").hasLineCount(1);
                assertThat(MountPoints.isFuseMount(dir)).isFalse();
            }
        }
        finally
        {
            Files.deleteIfExists(dir);
        }
    }

    private static boolean serverFor(final Path dir)
    {
        return ProcessHandle.allProcesses()
            .anyMatch(p -> p.info().commandLine().orElse("").contains("mount -f") &&
                p.info().commandLine().orElse("").contains(dir.toString()));
    }

    /** Length of the Ethernet frame at {@code at}, from its own headers (padded to 60). */
    static int frameLength(final byte[] b, final int at)
    {
        final ByteBuffer frame = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        int l3 = at + 14;
        int type = frame.getShort(at + 12) & 0xffff;
        if (type == 0x8100)
        {
            type = frame.getShort(at + 16) & 0xffff;
            l3 += 4;
        }
        final int end = switch (type)
        {
            case 0x0800 -> l3 + (frame.getShort(l3 + 2) & 0xffff);
            case 0x86dd -> l3 + 40 + (frame.getShort(l3 + 4) & 0xffff);
            case 0x0806 -> l3 + 28;
            default -> throw new AssertionError("unexpected ethertype " + Integer.toHexString(type));
        };
        return Math.max(end - at, 60);
    }
}
