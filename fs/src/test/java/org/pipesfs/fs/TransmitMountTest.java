package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.nic.pcap.CaptureReader;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tx=IFACE} nodes sending onto real veth pairs, each compared with what tcpdump
 * captures on the far end, inside a network namespace: replayed captures, written captures
 * and frames, a live mirror of HTTP next to tcpdump's own filter, and the refusals.
 */
class TransmitMountTest
{
    private static final Path HTTP = Path.of("../../shared/captures/http.pcap").toAbsolutePath().normalize();

    @Test
    void everyReplayedFrameLeavesOnTheWireByteForByteInOrder(@TempDir final Path dir) throws Exception
    {
        assertThat(HTTP).exists();
        final Path synthetic = dir.resolve("synthetic.pcap");
        final Shell.Result synth = Shell.run(120, String.join(" ", Shell.pipesfs("synth", "--count", "1000000", synthetic.toString())));
        assertThat(synth.exit()).as(synth.err()).isZero();
        try (VethPair pair = VethPair.create("t", null, null))
        {
            assertReplayArrives(pair, HTTP, 43, dir.resolve("http"));
            assertReplayArrives(pair, synthetic, 1_000_000, dir.resolve("synthetic"));
        }
    }

    /** Replays {@code capture} through {@code tx=} onto the pair; the peer's tcpdump gets it all, in order. */
    private static void assertReplayArrives(final VethPair pair, final Path capture, final long frames, final Path work)
        throws Exception
    {
        Files.createDirectories(work);
        final Path peer = work.resolve("peer.pcap");
        final Path log = work.resolve("tcpdump.log");
        final Path own = work.resolve("own.pcap");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
        {
            final String node = "tx=" + pair.host;
            Files.createDirectory(mount.path(node));
            final Process cat = new ProcessBuilder("cat", mount.path(node + "/all.pcap").toString()).redirectOutput(own.toFile()).start();
            final Process tcpdump = pair.tcpdumpOnPeer(peer, log);
            try
            {
                mount.awaitReaders(node, 2); // the transmit and cat
                Files.writeString(mount.path(".ctl"), "start\n");
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (mount.stat(node, "sent") < frames && System.nanoTime() < deadline)
                {
                    Thread.sleep(50);
                }
                assertThat(cat.waitFor(60, TimeUnit.SECONDS)).as("the replay ends").isTrue();
                Thread.sleep(1500); // tcpdump hands over a partly filled ring block after its 1 s timeout
                VethPair.stop(tcpdump);
            }
            finally
            {
                Shell.kill(cat);
                Shell.kill(tcpdump);
            }
            assertThat(mount.stat(node, "sent")).isEqualTo(frames);
            assertThat(mount.stat(node, "bytes_sent")).isEqualTo(frameBytes(capture));
            assertThat(mount.stat(node, "send_errors")).isZero();
            assertThat(mount.stat(node, "refused")).isZero();
            assertThat(mount.stat(node, "dropped")).isZero();
        }
        assertThat(Files.readString(log)).contains(frames + " packets captured\n").contains("\n0 packets dropped by kernel");
        assertThat(CaptureFrames.assertSameInOrder("peer of tx=", peer, capture)).isEqualTo(frames);
        assertThat(CaptureFrames.assertSameInOrder("tx= node's all.pcap", own, capture)).isEqualTo(frames);
    }

    private static long frameBytes(final Path capture)
    {
        long bytes = 0;
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            while (reader.next())
            {
                bytes += reader.capturedLength();
            }
        }
        return bytes;
    }

    /**
     * A token bucket of 20 Mbit/s on the interface refuses frames (ENOBUFS) whenever its small
     * queue is full: lossless waits and every frame arrives, in order; lossy drops and counts.
     */
    @Test
    void aFullInterfaceQueueHoldsLosslessBackAndCostsLossyItsFrames(@TempDir final Path dir) throws Exception
    {
        final Path capture = dir.resolve("synthetic.pcap");
        final Shell.Result synth = Shell.run(120, String.join(" ", Shell.pipesfs("synth", "--count", "20000", capture.toString())));
        assertThat(synth.exit()).as(synth.err()).isZero();
        try (VethPair pair = VethPair.create("q", null, null))
        {
            assertThat(Shell.run(10, "tc qdisc replace dev " + pair.host + " root tbf rate 20mbit burst 16kb limit 32kb").exit())
                .isZero();
            final Path peer = dir.resolve("peer.pcap");
            final Path log = dir.resolve("tcpdump.log");
            final String node = "tx=" + pair.host;
            try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
            {
                Files.createDirectory(mount.path(node));
                final Process tcpdump = pair.tcpdumpOnPeer(peer, log);
                try
                {
                    Files.writeString(mount.path(".ctl"), "start\n");
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (mount.stat(node, "sent") < 20_000 && System.nanoTime() < deadline)
                    {
                        Thread.sleep(50);
                    }
                    Thread.sleep(1500);
                    VethPair.stop(tcpdump);
                }
                finally
                {
                    Shell.kill(tcpdump);
                }
                assertThat(mount.stat(node, "sent")).isEqualTo(20_000);
                assertThat(mount.stat(node, "dropped")).isZero();
            }
            // Every frame once, in any order: the bucket's timer dequeues on either core, and
            // veth hands each frame to the receive backlog of the core that dequeued it, so the
            // far end may see neighbours swapped (with the sender pinned to one core it did not).
            CaptureFrames.assertSame("behind a token bucket", CaptureFrames.of(peer), CaptureFrames.of(capture));
            assertThat(Shell.run(10, "tc -s qdisc show dev " + pair.host).out()).as("the bucket refused frames")
                .doesNotContain("dropped 0,");

            try (FuseMount mount = FuseMount.start("--paused", "--policy", "lossy", "--source", "pcap:" + capture))
            {
                Files.createDirectory(mount.path(node));
                Files.writeString(mount.path(".ctl"), "start\n");
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!mount.stats().contains("state ended") && System.nanoTime() < deadline)
                {
                    Thread.sleep(50);
                }
                Thread.sleep(500);
                final long sent = mount.stat(node, "sent");
                final long dropped = mount.stat(node, "dropped");
                assertThat(dropped).as("lossy drops what the queue refuses").isPositive();
                assertThat(sent + dropped).isEqualTo(20_000);
            }
        }
    }

    @Test
    void writesSendEachRecordOrFrameAndWhatCannotGoIsCounted(@TempDir final Path dir) throws Exception
    {
        try (VethPair pair = VethPair.create("w", null, null);
             FuseMount mount = FuseMount.start("--paused", "--source", "synthetic"))
        {
            final String node = "tx=" + pair.host;
            Files.createDirectory(mount.path(node));
            final Path peer = dir.resolve("peer.pcap");
            final Path log = dir.resolve("tcpdump.log");
            // 590 bytes of frame at most: an MTU of 576 plus the Ethernet header
            assertThat(Shell.run(10, "ip link set " + pair.host + " mtu 576").exit()).isZero();
            final Path fits = dir.resolve("fits.pcap");
            assertThat(Shell.run(30, "tcpdump -r " + HTTP + " -w " + fits + " 'len <= 590'").exit()).isZero();
            final long fitting = CaptureFrames.of(fits).size();
            assertThat(fitting).isBetween(1L, 42L);

            final Process tcpdump = pair.tcpdumpOnPeer(peer, log);
            try
            {
                // a pcap stream: each record one frame
                assertThat(Shell.run(30, "cat " + HTTP + " > " + mount.path(node + "/all.pcap")).exit()).isZero();
                // a capture of raw IP: not Ethernet, so refused
                Files.write(mount.path(node + "/all.pcap"), rawIpCapture());
                // plain writes: one frame each
                final byte[] frame = new byte[60];
                for (int i = 0; i < 6; i++)
                {
                    frame[i] = (byte)0xff;
                }
                frame[6] = 0x02;
                frame[12] = (byte)0x88;
                frame[13] = (byte)0xb5; // the local experimental EtherType
                try (OutputStream all = Files.newOutputStream(mount.path(node + "/all")))
                {
                    for (int i = 0; i < 3; i++)
                    {
                        frame[14] = (byte)i;
                        all.write(frame);
                        all.flush();
                    }
                }
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (mount.stat(node, "sent") < fitting + 3 && System.nanoTime() < deadline)
                {
                    Thread.sleep(50);
                }
                Thread.sleep(1500); // tcpdump hands over a partly filled ring block after its 1 s timeout
                VethPair.stop(tcpdump);
            }
            finally
            {
                Shell.kill(tcpdump);
            }
            assertThat(mount.stat(node, "sent")).isEqualTo(fitting + 3);
            assertThat(mount.stat(node, "send_errors")).isEqualTo(43 - fitting);
            assertThat(mount.stat(node, "refused")).isEqualTo(2);
            assertThat(Files.readString(mount.path(node + "/.stats"))).contains("tx_last_error Message too long");
            final String seen = Shell.run(30, "tcpdump -nn -xx -t -r " + peer + " 2>/dev/null").out();
            final String expected = Shell.run(30, "tcpdump -nn -xx -t -r " + fits + " 2>/dev/null").out();
            assertThat(seen).as(Files.readString(log)).startsWith(expected);
            assertThat(seen.substring(expected.length()).lines().filter(l -> l.contains("ethertype Unknown (0x88b5)")).count())
                .isEqualTo(3);
            assertThat(Shell.run(10, "ls " + mount.path("")).out()).contains(node);
        }
    }

    /** A pcap stream of link type RAW (101) with two IPv4 packets. */
    private static byte[] rawIpCapture()
    {
        final ByteBuffer b = ByteBuffer.allocate(24 + 2 * (16 + 20)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(101);
        for (int i = 0; i < 2; i++)
        {
            b.putInt(1).putInt(i).putInt(20).putInt(20);
            b.put((byte)0x45).put((byte)0).put((byte)0).put((byte)20).putInt(0).put((byte)64).put((byte)253)
                .putShort((short)0).put(new byte[] {10, 0, 0, 1, 10, 0, 0, 2});
        }
        return b.array();
    }

    /**
     * A software SPAN port: a live mount on one pair mirrors port 80 onto a second pair; the
     * second pair's far end sees exactly what {@code tcpdump 'port 80'} sees on the first.
     */
    @Test
    void mirrorSendsExactlyWhatTcpdumpsFilterSees(@TempDir final Path dir) throws Exception
    {
        final Path mirrored = dir.resolve("mirrored.pcap");
        final Path mirrorLog = dir.resolve("mirror.log");
        final Path reference = dir.resolve("reference.pcap");
        final Path referenceLog = dir.resolve("reference.log");
        Process server = null;
        try (VethPair web = VethPair.create("a", "10.204.0.1/24", "10.204.0.2/24");
             VethPair span = VethPair.create("b", null, null))
        {
            server = web.httpServerOnPeer("10.204.0.2");
            try (FuseMount mount = FuseMount.start("--source", "live:" + web.host))
            {
                final String node = "ip/tcp/port=80/tx=" + span.host;
                assertThat(Shell.run(10, "mkdir -p " + mount.path(node)).exit()).isZero();
                final Process peer = span.tcpdumpOnPeer(mirrored, mirrorLog);
                final Process tcpdump = new ProcessBuilder("tcpdump", "-i", web.host, "-U", "-w", reference.toString(), "port 80")
                    .redirectErrorStream(true).redirectOutput(referenceLog.toFile()).start();
                try
                {
                    VethPair.awaitListening(tcpdump, referenceLog);
                    final Shell.Result traffic = Shell.run(60, "ping -c 3 -i 0.05 10.204.0.2 >/dev/null && "
                        + "for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{http_code}\\n' http://10.204.0.2/ ; done");
                    assertThat(traffic.out().lines().filter("200"::equals).count()).isEqualTo(5);
                    Thread.sleep(1500);
                    VethPair.stop(tcpdump);
                    VethPair.stop(peer);
                }
                finally
                {
                    Shell.kill(tcpdump);
                    Shell.kill(peer);
                }
                final long frames = CaptureFrames.assertSameInOrder("mirror of port 80", mirrored, reference);
                assertThat(frames).as("five HTTP exchanges").isGreaterThan(40);
                assertThat(mount.stat(node, "sent")).isEqualTo(frames);
                assertThat(Shell.run(30, "tcpdump -nn -r " + mirrored + " 2>/dev/null").out()).contains("HTTP: GET / HTTP/1.1")
                    .doesNotContain("ICMP");
            }
        }
        finally
        {
            if (server != null)
            {
                Shell.kill(server);
                server.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void loopsMissingInterfacesAndCallersWithoutCapNetRawAreRefused() throws Exception
    {
        final String asNobody = "setpriv --reuid=nobody --regid=nogroup --clear-groups ";
        try (VethPair live = VethPair.create("l", null, null);
             VethPair other = VethPair.create("o", null, null);
             FuseMount mount = FuseMount.start("-o", "allow_other", "--source", "live:" + live.host))
        {
            final Path root = mount.path("");
            final Shell.Result loop = Shell.run(10, "mkdir -p " + root + "/ip/tx=" + live.host);
            assertThat(loop.exit()).isNotZero();
            assertThat(loop.err()).contains("Too many levels of symbolic links");
            assertThat(Files.exists(mount.path("ip/tx=" + live.host))).isFalse();

            final Shell.Result missing = Shell.run(10, "mkdir " + root + "/tx=nosuch0");
            assertThat(missing.err()).contains("No such device");

            assertThat(Shell.run(10, "chmod 0777 " + root).exit()).isZero();
            final Shell.Result notPermitted = Shell.run(10, asNobody + "mkdir " + root + "/tx=" + other.host);
            assertThat(notPermitted.err()).contains("Operation not permitted");
            assertThat(Shell.run(10, asNobody + "mkdir " + root + "/plain && " + asNobody + "mv " + root + "/plain "
                + root + "/tx=" + other.host).err()).contains("Operation not permitted");
            assertThat(Files.exists(mount.path("tx=" + other.host))).isFalse();

            // made by root, open to all: still only a caller with CAP_NET_RAW may feed it
            assertThat(Shell.run(10, "mkdir " + root + "/tx=" + other.host + " && chmod 0777 " + root + "/tx=" + other.host
                + " && chmod 0666 " + root + "/tx=" + other.host + "/all").exit()).isZero();
            assertThat(Shell.run(10, asNobody + "sh -c 'echo x > " + root + "/tx=" + other.host + "/all'").err())
                .contains("Operation not permitted");
            assertThat(Shell.run(10, asNobody + "ln -s " + root + "/ip " + root + "/tx=" + other.host + "/ip").err())
                .contains("Operation not permitted");
            assertThat(Shell.run(10, asNobody + "cat " + root + "/tx=" + other.host + "/.stats").out()).contains("sent 0\n");
            assertThat(mount.stat("tx=" + other.host, "sent")).isZero();
        }
    }
}
