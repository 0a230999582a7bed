package org.pipesfs.fs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.fs.os.MountPoints;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live capture from a real veth pair into a network namespace, next to tcpdump on the same
 * interface, with real traffic: ping, a Python HTTP server and curl. IPv6 is off on the pair
 * so that no autoconfiguration chatter lands between the two captures' start times.
 */
class LiveCaptureTest
{
    private VethPair pair;
    private String ns;
    private String host;
    private String peer;
    private Process server;

    @BeforeEach
    void createNamespaceWithVethPair() throws Exception
    {
        pair = VethPair.create("c", "10.203.0.1/24", "10.203.0.2/24");
        ns = pair.ns;
        host = pair.host;
        peer = pair.peer;
        server = pair.httpServerOnPeer("10.203.0.2");
    }

    @AfterEach
    void removeNamespace() throws Exception
    {
        if (server != null)
        {
            Shell.kill(server);
            server.waitFor(5, TimeUnit.SECONDS);
        }
        if (pair != null)
        {
            pair.close();
        }
    }

    @Test
    void liveCaptureSeesExactlyWhatTcpdumpSeesOnTheSameInterface() throws Exception
    {
        final Path ours = Files.createTempFile("live", ".pcap");
        final Path theirs = Files.createTempFile("tcpdump", ".pcap");
        final Path tcpdumpLog = Files.createTempFile("tcpdump", ".log");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "live:" + host))
        {
            assertThat(mount.stats()).contains("policy lossy\n").contains("source live:" + host + "\n");
            final Process cat = new ProcessBuilder("cat", mount.path("all.pcap").toString()).redirectOutput(ours.toFile()).start();
            final Process tcpdump = new ProcessBuilder("tcpdump", "-i", host, "-U", "-w", theirs.toString())
                .redirectErrorStream(true).redirectOutput(tcpdumpLog.toFile()).start();
            try
            {
                while (mount.stat("readers") == 0 || !Files.readString(tcpdumpLog).contains("listening on"))
                {
                    Thread.sleep(20);
                }
                Files.writeString(mount.path(".ctl"), "start\n");
                Thread.sleep(200);

                final Shell.Result traffic = Shell.run(60, "ping -c 10 -i 0.05 10.203.0.2 >/dev/null && "
                    + "for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{http_code}\\n' http://10.203.0.2/ ; done");
                assertThat(traffic.out().lines().filter("200"::equals).count()).isEqualTo(5);
                Thread.sleep(500);

                Shell.signal(tcpdump.pid(), "INT");
                assertThat(tcpdump.waitFor(10, TimeUnit.SECONDS)).isTrue();
                Files.writeString(mount.path(".ctl"), "stop\n");
                assertThat(cat.waitFor(10, TimeUnit.SECONDS)).as("stop ends the live stream").isTrue();
            }
            finally
            {
                Shell.kill(cat);
                Shell.kill(tcpdump);
            }
            // Same frames, same order; only the receive timestamps differ.
            final String expected = Shell.run(30, "tcpdump -nn -t -r " + theirs + " 2>/dev/null").out();
            final String actual = Shell.run(30, "tcpdump -nn -t -r " + ours + " 2>/dev/null").out();
            assertThat(expected.lines().count()).as("tcpdump saw the traffic").isGreaterThan(40);
            assertThat(actual).isEqualTo(expected);
            assertThat(actual).contains("ICMP echo request").contains("HTTP: GET / HTTP/1.1");
            assertThat(mount.stat("packets")).isEqualTo(expected.lines().count());
            assertThat(mount.stat("dropped")).isZero();
        }
        finally
        {
            Files.deleteIfExists(ours);
            Files.deleteIfExists(theirs);
            Files.deleteIfExists(tcpdumpLog);
        }
    }

    @Test
    void captureIsPromiscuousLikeTcpdumpSeesForeignFramesAndCountsWhatTheKernelDropped() throws Exception
    {
        assertThat(promiscuity()).isEqualTo("0");
        final Path out = Files.createTempFile("live", ".pcap");
        try (FuseMount mount = FuseMount.start("--policy", "lossless", "--source", "live:" + host))
        {
            assertThat(promiscuity()).as("promiscuous while captured").isEqualTo("1");
            assertThat(mount.stats()).contains("kernel_dropped 0\n");
            final Process cat = new ProcessBuilder("cat", mount.path("all.pcap").toString()).redirectOutput(out.toFile()).start();
            try
            {
                mount.awaitReaders("", 1);
                Thread.sleep(500); // the lossless source's settle time for new readers
                // a frame for a MAC address no interface here has
                Shell.run(30, "ip netns exec " + ns + " ip neigh replace 10.203.0.99 lladdr 02:00:00:00:00:99 dev " + peer
                    + " nud permanent && ip netns exec " + ns + " ping -c 3 -i 0.1 -W 1 10.203.0.99");
                final long deadline = System.currentTimeMillis() + 10_000;
                String foreign = "";
                while (!foreign.contains("3") && System.currentTimeMillis() < deadline)
                {
                    Thread.sleep(100);
                    foreign = Shell.run(30, "tcpdump -nn -r " + out + " 'ether dst 02:00:00:00:00:99' 2>/dev/null | wc -l").out().trim();
                }
                assertThat(foreign).as("frames to a foreign MAC are captured").isEqualTo("3");

                // overload: the only reader stops, so the lossless source stops taking from the
                // kernel's ring, and a flood from the namespace overflows it
                Shell.signal(cat.pid(), "STOP");
                final Shell.Result flood = Shell.run(120, "ip netns exec " + ns + " python3 -c \"import socket\n"
                    + "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\ns.bind(('" + peer + "', 0))\n"
                    + "f = bytes.fromhex('ffffffffffff02000000000188b5') + bytes(46)\n"
                    + "for _ in range(1500000): s.send(f)\"");
                assertThat(flood.exit()).as(flood.err()).isZero();
                assertThat(mount.stat("kernel_dropped")).as("dropped by kernel, as tcpdump reports it").isGreaterThan(100_000);
                Shell.signal(cat.pid(), "CONT");
            }
            finally
            {
                Shell.kill(cat);
            }
        }
        finally
        {
            Files.deleteIfExists(out);
        }
        assertThat(promiscuity()).as("the membership ends with the capture").isEqualTo("0");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "live:" + host + ":promisc=no"))
        {
            assertThat(mount.stats()).contains("source live:" + host + ":promisc=no\n");
            assertThat(promiscuity()).isEqualTo("0");
        }
    }

    /**
     * The interface's promiscuity count, as {@code ip -d link} shows it: a packet socket's
     * membership raises it (and the kernel logs "entered promiscuous mode"); the PROMISC flag
     * itself shows only what {@code ip link set promisc on} asked for.
     */
    private String promiscuity() throws Exception
    {
        final String details = Shell.run(10, "ip -d link show " + host).out();
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("promiscuity (\\d+)").matcher(details);
        assertThat(m.find()).as(details).isTrue();
        return m.group(1);
    }

    /**
     * Two mounts of one interface in fanout group 7, and tcpdump, while tcpreplay plays a
     * synthetic capture into it from the namespace: the mounts' frames are disjoint, together
     * they are tcpdump's, and each TCP or UDP conversation lies whole in one of them.
     */
    @Test
    void fanoutSplitsTheInterfaceByConversationBetweenTwoMounts(@TempDir final Path dir) throws Exception
    {
        final Path replay = dir.resolve("replay.pcap");
        final Path theirs = dir.resolve("tcpdump.pcap");
        final Path tcpdumpLog = dir.resolve("tcpdump.log");
        final int frames = 20_000;
        assertThat(Shell.run(60, String.join(" ", Shell.pipesfs("synth", "--count", Integer.toString(frames), "--seed", "9", replay.toString())))
            .exit()).isZero();
        try (FuseMount one = FuseMount.start("--paused", "--source", "live:" + host + ":fanout=7");
             FuseMount two = FuseMount.start("--paused", "--source", "live:" + host + ":fanout=7"))
        {
            final List<FuseMount> mounts = List.of(one, two);
            final List<Process> cats = new ArrayList<>();
            final Process tcpdump = new ProcessBuilder("tcpdump", "-i", host, "-U", "-w", theirs.toString())
                .redirectErrorStream(true).redirectOutput(tcpdumpLog.toFile()).start();
            try
            {
                for (int m = 0; m < 2; m++)
                {
                    cats.add(new ProcessBuilder("cat", mounts.get(m).path("all.pcap").toString())
                        .redirectOutput(dir.resolve("m" + m + ".pcap").toFile()).start());
                    mounts.get(m).awaitReaders("", 1);
                }
                while (!Files.readString(tcpdumpLog).contains("listening on"))
                {
                    Thread.sleep(20);
                }
                Files.writeString(one.path(".ctl"), "start\n");
                Files.writeString(two.path(".ctl"), "start\n");
                Thread.sleep(200);
                final Shell.Result played = Shell.run(120, "ip netns exec " + ns + " tcpreplay -q --pps 10000 -i " + peer + " " + replay);
                assertThat(played.exit()).as(played.err()).isZero();
                Thread.sleep(2_000); // tcpdump's capture blocks are handed over after at most 1 s
                Shell.signal(tcpdump.pid(), "INT");
                assertThat(tcpdump.waitFor(10, TimeUnit.SECONDS)).isTrue();
                Files.writeString(one.path(".ctl"), "stop\n");
                Files.writeString(two.path(".ctl"), "stop\n");
                for (final Process cat : cats)
                {
                    assertThat(cat.waitFor(10, TimeUnit.SECONDS)).isTrue();
                }
            }
            finally
            {
                cats.forEach(Shell::kill);
                Shell.kill(tcpdump);
            }
            assertThat(one.stat("dropped") + two.stat("dropped")).isZero();
        }
        assertThat(Files.readString(tcpdumpLog)).contains(frames + " packets captured\n", "\n0 packets dropped by kernel");
        final List<String> first = CaptureFrames.of(dir.resolve("m0.pcap"));
        final List<String> second = CaptureFrames.of(dir.resolve("m1.pcap"));
        final List<String> reference = CaptureFrames.of(theirs);
        assertThat(reference).as("tcpdump saw the replay").hasSize(frames);
        assertThat(first).as("both mounts have a share").isNotEmpty();
        assertThat(second).isNotEmpty();
        final Set<String> overlap = new HashSet<>(first);
        overlap.retainAll(new HashSet<>(second));
        assertThat(overlap).as("no frame in both").isEmpty();
        final List<String> union = new ArrayList<>(first);
        union.addAll(second);
        CaptureFrames.assertSame("the two shares together are tcpdump's capture", union, reference);
        final Set<String> split = CaptureFrames.conversations(dir.resolve("m0.pcap"));
        split.retainAll(CaptureFrames.conversations(dir.resolve("m1.pcap")));
        assertThat(split).as("no conversation split between the mounts").isEmpty();
    }

    @Test
    void removingTheInterfaceEndsTheCaptureWithTheReasonAndKeepsTheMount() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "live:" + host))
        {
            final Process cat = new ProcessBuilder("cat", mount.path("all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                while (mount.stat("readers") == 0)
                {
                    Thread.sleep(10);
                }
                Files.writeString(mount.path(".ctl"), "start\n");
                assertThat(Shell.run(30, "ping -c 3 -i 0.2 -W 1 10.203.0.2").exit()).isZero();
                assertThat(Shell.run(30, "ip link del " + host).exit()).isZero();
                assertThat(cat.waitFor(10, TimeUnit.SECONDS)).as("the reader sees end of file").isTrue();
                assertThat(mount.stats()).contains("state ended\n");
                assertThat(mount.stat("packets")).isGreaterThanOrEqualTo(6);
                assertThat(Files.readString(mount.log)).contains("live capture on " + host + " failed: Network is down");
                assertThat(Files.isDirectory(mount.path("ip"))).as("the mount still serves").isTrue();
            }
            finally
            {
                Shell.kill(cat);
            }
        }
    }

    @Test
    void missingInterfaceFailsBeforeMounting() throws Exception
    {
        final Path dir = Files.createTempDirectory("pipesfs-live");
        try
        {
            final Process process = new ProcessBuilder(Shell.pipesfs("mount", "--source", "live:nosuch" + host, dir.toString()))
                .redirectErrorStream(true).start();
            final String output = new String(process.getInputStream().readAllBytes());
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isNotZero();
            assertThat(output.trim()).isEqualTo("pipesfs: live capture: no such interface 'nosuch" + host + "'");
            assertThat(MountPoints.isFuseMount(dir)).isFalse();
        }
        finally
        {
            Files.deleteIfExists(dir);
        }
    }
}
