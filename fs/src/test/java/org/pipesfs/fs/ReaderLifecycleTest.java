package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.pipesfs.fs.os.MountPoints;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Readers that are killed, cut short, many, or left blocked at unmount: every one released. */
class ReaderLifecycleTest
{
    @Test
    void killDashNineOfABlockedReaderReleasesIt() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--source", "synthetic:rate=1"))
        {
            final Process cat = new ProcessBuilder("cat", mount.path("ip/all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            mount.awaitReaders("ip", 1);
            Shell.signal(cat.pid(), "KILL");
            assertThat(cat.waitFor(5, TimeUnit.SECONDS)).isTrue();
            mount.awaitReaders("ip", 0);
        }
    }

    @Test
    void aHundredConcurrentReadersEachSeeTheWholeStream() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "synthetic:count=2000:seed=4"))
        {
            final List<Process> readers = new ArrayList<>();
            final List<Path> outputs = new ArrayList<>();
            try
            {
                for (int i = 0; i < 100; i++)
                {
                    final Path out = Files.createTempFile("reader", ".pcap");
                    outputs.add(out);
                    readers.add(new ProcessBuilder("cat", mount.path("all.pcap").toString()).redirectOutput(out.toFile()).start());
                }
                mount.awaitReaders("", 100);
                Files.writeString(mount.path(".ctl"), "start\n");
                for (final Process reader : readers)
                {
                    assertThat(reader.waitFor(60, TimeUnit.SECONDS)).isTrue();
                }
                final byte[] first = Files.readAllBytes(outputs.get(0));
                assertThat(Shell.run(30, "tcpdump -nn -r " + outputs.get(0) + " 2>/dev/null | wc -l").out().trim()).isEqualTo("2000");
                for (final Path out : outputs)
                {
                    assertThat(Files.readAllBytes(out)).as("every reader saw the same stream").isEqualTo(first);
                }
                mount.awaitReaders("", 0);
            }
            finally
            {
                readers.forEach(Shell::kill);
                for (final Path out : outputs)
                {
                    Files.deleteIfExists(out);
                }
            }
        }
    }

    @Test
    void tenThousandOpensAndClosesWhileTrafficFlowsLeakNoReader() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--source", "synthetic:rate=20000"))
        {
            final Process keep = new ProcessBuilder("cat", mount.path("all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                mount.awaitReaders("", 1);
                // At least 10,000 opens and closes, and at least 2 s of them.
                final Process churn = new ProcessBuilder("python3", "-c", "import os, time\n"
                    + "start, i = time.time(), 0\n"
                    + "while i < 10000 or time.time() - start < 2:\n"
                    + "    fd = os.open('" + mount.path("ip/tcp/all") + "', os.O_RDONLY | os.O_NONBLOCK)\n"
                    + "    try:\n"
                    + "        os.read(fd, 65536)\n"
                    + "    except BlockingIOError:\n"
                    + "        pass\n"
                    + "    os.close(fd)\n"
                    + "    i += 1\n"
                    + "print(i)").redirectErrorStream(true).start();
                boolean flowedDuringChurn = false;
                while (churn.isAlive())
                {
                    flowedDuringChurn |= mount.stat("", "packets") > 0;
                    Thread.sleep(20);
                }
                final String opened = new String(churn.getInputStream().readAllBytes()).trim();
                assertThat(Long.parseLong(opened)).isGreaterThanOrEqualTo(10_000);
                assertThat(flowedDuringChurn).as("readers opening all the time do not starve the stream").isTrue();
                mount.awaitReaders("ip/tcp", 0);
                mount.awaitReaders("", 1);
            }
            finally
            {
                Shell.kill(keep);
            }
        }
    }

    @Test
    void lazyUnmountWithTenBlockedReadersEndsThemAllAndTheServerExitsZero() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--source", "synthetic:rate=1"))
        {
            final List<Process> readers = new ArrayList<>();
            try
            {
                for (int i = 0; i < 10; i++)
                {
                    readers.add(new ProcessBuilder("cat", mount.path("ip/udp/dns/all").toString())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start());
                }
                mount.awaitReaders("ip/udp/dns", 10);
                assertThat(mount.unmount()).as("server exit code").isZero();
                for (final Process reader : readers)
                {
                    assertThat(reader.waitFor(10, TimeUnit.SECONDS)).as("blocked reader ended").isTrue();
                }
            }
            finally
            {
                readers.forEach(Shell::kill);
            }
        }
    }

    @Test
    void lazyUnmountOfAMountPointWithASpaceInItsNameEndsItsReaders() throws Exception
    {
        // mountinfo writes the space as \040: the mount wait and the unmount watcher must both match it
        try (FuseMount mount = FuseMount.startIn("pipesfs mnt", "--source", "synthetic:rate=1"))
        {
            final Process reader = new ProcessBuilder("cat", mount.path("arp/all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                mount.awaitReaders("arp", 1);
                assertThat(mount.unmount()).as("server exit code").isZero();
                assertThat(reader.waitFor(10, TimeUnit.SECONDS)).as("blocked reader ended").isTrue();
                assertThat(MountPoints.isFuseMount(mount.dir)).isFalse();
            }
            finally
            {
                Shell.kill(reader);
            }
        }
    }
}
