package org.pipesfs.fs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * tshark with {@code pipesfs extcap} in its extcap folder (this build, put there by the test and
 * taken away after): the nodes are interfaces, a capture equals {@code cat all.pcap}, and
 * stopping tshark stops the extcap.
 */
class ExtcapTest
{
    private static final Path HTTP = Path.of("../../shared/captures/http.pcap").toAbsolutePath().normalize();
    private static final String EXTCAP = "pgrep -f '[P]ipesFsCommand extcap'"; // [P]: not the shell running pgrep
    private Path program;

    @BeforeEach
    void installThisBuildAsAnExtcap() throws Exception
    {
        final String folders = Shell.run(30, "tshark -G folders 2>/dev/null").out();
        final String folder = folders.lines().filter(l -> l.startsWith("Extcap path:")).findFirst().orElseThrow()
            .substring("Extcap path:".length()).trim();
        program = Path.of(folder, "pipesfs-test-" + ProcessHandle.current().pid());
        Files.writeString(program, "#!/bin/sh\nexec " + Shell.pipesfsQuoted("extcap") + " \"$@\"\n");
        assertThat(program.toFile().setExecutable(true, false)).isTrue();
    }

    @AfterEach
    void removeIt() throws Exception
    {
        Files.deleteIfExists(program);
    }

    /** tshark starts the extcap four times (interfaces, link types, options, capture): a JVM each. The node may come later. */
    private static void awaitReaders(final FuseMount mount, final String node, final long expected) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while ((!Files.exists(mount.path(node)) || mount.stat(node, "readers") != expected) && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertThat(mount.stat(node, "readers")).as("readers of " + node).isEqualTo(expected);
    }

    @Test
    void tsharkListsNodesCapturesWhatCatGetsAndStopsTheExtcapWithIt(@TempDir final Path dir) throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + HTTP))
        {
            final Path root = mount.path("");
            final String listed = Shell.run(60, "tshark -D 2>/dev/null").out();
            assertThat(listed).contains("pipesfs:" + mount.path("ip/tcp") + " (PipesFS /ip/tcp on " + root.toString().replaceAll("/$", "") + ")")
                .contains("pipesfs:" + mount.path("ip/udp/dns") + " ");

            // Stopped while the source is paused: tshark ends, and the extcap and its reader with it.
            final Process stopped = new ProcessBuilder("tshark", "-i", "pipesfs:" + mount.path("ip"), "-F", "pcap",
                "-w", dir.resolve("stopped.pcap").toString()).redirectErrorStream(true).redirectOutput(dir.resolve("stopped.log").toFile()).start();
            try
            {
                awaitReaders(mount, "ip", 1);
                assertThat(Shell.run(10, EXTCAP).out()).isNotBlank();
                Shell.signal(stopped.pid(), "INT");
                assertThat(stopped.waitFor(20, TimeUnit.SECONDS)).as("tshark stops on Ctrl-C").isTrue();
            }
            finally
            {
                Shell.kill(stopped);
            }
            assertThat(Shell.run(30, "for i in $(seq 200); do " + EXTCAP + " >/dev/null || exit 0; sleep 0.05; done; exit 1").exit())
                .as("no extcap left behind").isZero();
            assertThat(Shell.run(30, "for i in $(seq 200); do [ \"$(awk '$1 == \"readers\" {print $2}' " + mount.path("ip/.stats")
                + ")\" = 0 ] && exit 0; sleep 0.05; done; exit 1").exit()).as("its reader closed").isZero();

            // A capture next to cat, from the same paused replay.
            final Path ours = dir.resolve("cat.pcap");
            final Path theirs = dir.resolve("tshark.pcap");
            final Process cat = new ProcessBuilder("cat", mount.path("ip/tcp/all.pcap").toString()).redirectOutput(ours.toFile()).start();
            final Process tshark = new ProcessBuilder("tshark", "-i", "pipesfs:" + mount.path("ip/tcp"), "-F", "pcap",
                "-w", theirs.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("tshark.log").toFile()).start();
            try
            {
                awaitReaders(mount, "ip/tcp", 2);
                Files.writeString(mount.path(".ctl"), "start\n");
                assertThat(cat.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(tshark.waitFor(30, TimeUnit.SECONDS)).as("tshark ends with the stream").isTrue();
            }
            finally
            {
                Shell.kill(cat);
                Shell.kill(tshark);
            }
            assertThat(CaptureFrames.assertSameInOrder("tshark -i pipesfs:…/ip/tcp", theirs, ours)).isEqualTo(41);
            assertThat(Shell.run(10, EXTCAP).exit()).as("no extcap left behind").isNotZero();
        }
    }

    /** The options Wireshark's dialog shows, and a capture with both: another node, and a filter as an expr= node. */
    @Test
    void configOffersAFilterAndTheNodesAndACaptureUsesBoth(@TempDir final Path dir) throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + HTTP))
        {
            final String iface = "pipesfs:" + mount.path("arp");
            final Shell.Result config = Shell.run(60, program + " --extcap-config --extcap-interface " + iface);
            assertThat(config.out()).contains("arg {number=0}{call=--filter}{display=Filter}{type=string}")
                .contains("arg {number=1}{call=--node}{display=Node}{type=selector}")
                .contains("value {arg=1}{value=/arp}{display=/arp}{default=true}\n")
                .contains("value {arg=1}{value=/ip/tcp}{display=/ip/tcp}\n");
            assertThat(Shell.run(60, program + " --extcap-dlts --extcap-interface " + iface).out())
                .isEqualTo("dlt {number=1}{name=EN10MB}{display=Ethernet}\n");

            final Path fifo = dir.resolve("fifo");
            final Path captured = dir.resolve("captured.pcap");
            assertThat(Shell.run(10, "mkfifo " + fifo).exit()).isZero();
            final Process reader = new ProcessBuilder("cat", fifo.toString()).redirectOutput(captured.toFile()).start();
            final Process extcap = new ProcessBuilder("sh", "-c", program + " --capture --extcap-interface " + iface
                + " --node /ip --filter 'tcp port 80 and greater 100' --fifo " + fifo).redirectErrorStream(true)
                .redirectOutput(dir.resolve("extcap.log").toFile()).start();
            try
            {
                awaitReaders(mount, "ip/expr=tcp port 80 and greater 100", 1);
                Files.writeString(mount.path(".ctl"), "start\n");
                assertThat(extcap.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(reader.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            finally
            {
                Shell.kill(extcap);
                Shell.kill(reader);
            }
            final Path expected = dir.resolve("expected.pcap");
            assertThat(Shell.run(30, "tcpdump -r " + HTTP + " -w " + expected + " 'tcp port 80 and greater 100'").exit()).isZero();
            assertThat(CaptureFrames.assertSameInOrder("--node /ip --filter", captured, expected)).isEqualTo(19);
            assertThat(Files.exists(mount.path("ip/expr=tcp port 80 and greater 100"))).as("the filter's node goes with the capture").isFalse();
        }
    }
}
