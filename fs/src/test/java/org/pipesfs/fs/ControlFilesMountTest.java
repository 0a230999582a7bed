package org.pipesfs.fs;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The text files act like files: {@code .stats}, {@code .graph}, {@code .ctl} and
 * {@code .readers} have a size and seek; {@code .stats} has rates and a {@code dropped} that
 * stays current while a reader is stopped; {@code .readers} says who reads what and who holds
 * a lossless source back.
 */
class ControlFilesMountTest
{
    @Test
    void snapshotFilesHaveARealSizeAndSeekLikeRegularFiles() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused"))
        {
            final String m = mount.dir.toString();
            final Shell.Result head = Shell.run(10, "head -1 " + m + "/.stats");
            assertThat(head.err()).isEmpty();
            assertThat(head.out()).isEqualTo("filter root\n");
            final Shell.Result tail = Shell.run(10, "tail -n 3 " + m + "/.stats");
            assertThat(tail.err()).isEmpty();
            final List<String> lines = Files.readString(mount.path(".stats")).lines().toList();
            assertThat(tail.out().lines().map(l -> l.split(" ")[0]).toList())
                .isEqualTo(lines.subList(lines.size() - 3, lines.size()).stream().map(l -> l.split(" ")[0]).toList());
            for (final String file : new String[] {".stats", ".graph", ".ctl", ".readers", ".metrics", "ip/.stats"})
            {
                final Shell.Result size = Shell.run(10, "stat -c %s " + m + "/" + file + "; wc -c < " + m + "/" + file);
                final String[] sizes = size.out().split("\n");
                assertThat(sizes[0]).as(file + ": stat size is what a read returns").isNotEqualTo("0");
                if (!file.endsWith(".stats"))
                {
                    assertThat(sizes[0]).as(file).isEqualTo(sizes[1].trim());
                }
            }
            assertThat(Shell.run(10, "head -c 6 " + m + "/.ctl; tail -c 3 " + m + "/.ctl").out()).isEqualTo("pauseded\n");
            // python3 may not be on every user's PATH, but it is on the test machine's
            final Shell.Result seek = Shell.run(10, "python3 -c \"f = open('" + m + "/.graph'); a = f.read(); f.seek(0); "
                + "b = f.read(); f.seek(3); c = f.read(); print(a == b, len(a) > 10, c == a[3:])\"");
            assertThat(seek.out()).as(seek.err()).isEqualTo("True True True\n");
        }
    }

    @Test
    void statsShowRatesOverTheLastSecondAndDropsOfAStoppedLossyReaderAsTheyHappen() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--policy", "lossy", "--bare", "--buffer", "4M", "--source", "synthetic:rate=20000"))
        {
            final Process cat = new ProcessBuilder("cat", mount.path("all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                mount.awaitReaders("", 1);
                Thread.sleep(1_500);
                final long perSecond = mount.stat("elements_per_s");
                assertThat(perSecond).as("a 20,000 frames/s source").isBetween(15_000L, 25_000L);
                assertThat(mount.stat("bytes_per_s")).isBetween(perSecond * 60, perSecond * 1_600);

                Shell.signal(cat.pid(), "STOP");
                Thread.sleep(1_500); // the 16,384-entry ring of a 4 MiB lossy buffer laps in 0.8 s
                final long first = mount.stat("dropped");
                assertThat(first).as("lapped while stopped, before any read").isGreaterThan(0);
                Thread.sleep(1_000);
                assertThat(mount.stat("dropped")).as("and still counting").isGreaterThan(first + 10_000);
                Shell.signal(cat.pid(), "CONT");
            }
            finally
            {
                Shell.kill(cat);
            }
        }
    }

    @Test
    void readersListsEveryReaderAndMarksTheOneHoldingALosslessSourceBack() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--buffer", "4M", "--source", "synthetic"))
        {
            final String m = mount.dir.toString();
            final Process busy = new ProcessBuilder("cat", mount.path("ip/all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            final Process stopped = new ProcessBuilder("cat", mount.path("all.pcap").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                mount.awaitReaders("ip", 1);
                mount.awaitReaders("", 1);
                Shell.signal(stopped.pid(), "STOP");
                final long deadline = System.currentTimeMillis() + 10_000;
                String readers = "";
                while (!readers.contains("holding") && System.currentTimeMillis() < deadline)
                {
                    Thread.sleep(50);
                    readers = Files.readString(mount.path(".readers"));
                }
                final List<String> lines = readers.lines().toList();
                assertThat(lines.get(0)).isEqualTo("pid command node file behind dropped state");
                assertThat(lines).hasSize(3);
                final String[] held = row(lines, stopped.pid());
                assertThat(Arrays.asList(held).subList(1, 4)).containsExactly("cat", "/", "all.pcap");
                assertThat(Long.parseLong(held[4])).as("behind").isGreaterThan(0);
                assertThat(held[5]).isEqualTo("0");
                assertThat(held[6]).isEqualTo("holding");
                final String[] other = row(lines, busy.pid());
                assertThat(Arrays.asList(other).subList(1, 4)).containsExactly("cat", "/ip", "all");
                assertThat(other[6]).isEqualTo("-");
                assertThat(Shell.run(10, "echo x > " + m + "/.readers").err()).contains("Permission denied");
            }
            finally
            {
                Shell.signal(stopped.pid(), "CONT");
                Shell.kill(busy);
                Shell.kill(stopped);
                busy.waitFor(5, TimeUnit.SECONDS);
                stopped.waitFor(5, TimeUnit.SECONDS);
            }
            mount.awaitReaders("", 0);
            assertThat(Files.readString(mount.path(".readers"))).isEqualTo("pid command node file behind dropped state\n");
        }
    }

    private static String[] row(final List<String> lines, final long pid)
    {
        for (final String line : lines)
        {
            if (line.startsWith(pid + " "))
            {
                return line.split(" ");
            }
        }
        throw new AssertionError("no reader with pid " + pid + " in " + lines);
    }
}
