package org.pipesfs.fs;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.filters.Captures;
import org.pipesfs.filters.Tshark;
import org.pipesfs.nic.pcap.PcapFileWriter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code stream} and {@code defrag} through a real mount, read with cat and grep. */
class StreamMountTest
{
    @TempDir
    Path dir;

    @Test
    void eachFlowDirectoryHoldsThatDirectionsBytesAsTsharkFollowsThem() throws Exception
    {
        final Path capture = Captures.of("http.pcap");
        final Map<String, byte[]> expected = Tshark.follow(capture);
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
        {
            final String p = mount.dir.toString();
            final StringBuilder script = new StringBuilder("cd " + dir + "\nmkdir " + p + "/ip/tcp/stream\n");
            int i = 0;
            for (final String flow : expected.keySet())
            {
                script.append("cat '").append(p).append("/ip/tcp/stream/").append(flow).append("/all' > flow").append(i++).append(" &\n");
            }
            script.append("cat ").append(p).append("/ip/tcp/stream/all > all.bin &\n");
            script.append("echo start > ").append(p).append("/.ctl; wait\n");
            script.append("ls ").append(p).append("/ip/tcp/stream");
            final Shell.Result result = Shell.run(60, script.toString());
            assertThat(result.exit()).as(result.err()).isZero();
            // The connection on port 3372 ends with FIN both ways: once read, its directories go.
            // The one on 3371 is still open when the capture ends, so its directories stay.
            assertThat(result.out().lines().toList())
                .contains("145.254.160.237.3371-216.239.59.99.80", "216.239.59.99.80-145.254.160.237.3371")
                .doesNotContain("145.254.160.237.3372-65.208.228.223.80", "65.208.228.223.80-145.254.160.237.3372");
            i = 0;
            long total = 0;
            for (final Map.Entry<String, byte[]> flow : expected.entrySet())
            {
                assertThat(Files.readAllBytes(dir.resolve("flow" + i++))).as(flow.getKey()).isEqualTo(flow.getValue());
                total += flow.getValue().length;
            }
            assertThat(Files.size(dir.resolve("all.bin"))).as("stream/all: every flow's bytes").isEqualTo(total);
            assertThat(Files.readString(mount.path("ip/tcp/stream/.stats"))).startsWith("filter stream\n");
        }
    }

    /**
     * One GET split over three segments, the middle one (with the Host line) arriving last:
     * packet by packet, http/get holds only the first segment; under stream it holds the whole
     * request, in order.
     */
    @Test
    void httpUnderStreamParsesARequestThatSpansSegments() throws Exception
    {
        final String request = "GET /spanning/request HTTP/1.1\r\nHost: split.example\r\nUser-Agent: pipesfs-test\r\n\r\n";
        final byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
        final Path capture = dir.resolve("split.pcap");
        final int isn = 0xfffffff0; // and across the sequence wrap
        try (PcapFileWriter writer = new PcapFileWriter(capture, 1))
        {
            final long t = 1_700_000_000_000_000_000L;
            writer.write(tcp(isn, 0x02, new byte[0], 0, 0), 0, 54, t);
            writer.write(tcp(isn + 1, 0x18, bytes, 0, 20), 0, 74, t + 1000);
            writer.write(tcp(isn + 41, 0x18, bytes, 40, bytes.length - 40), 0, 54 + bytes.length - 40, t + 2000);
            writer.write(tcp(isn + 21, 0x18, bytes, 20, 20), 0, 74, t + 3000);
        }
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
        {
            final String p = mount.dir.toString();
            final Shell.Result result = Shell.run(60, String.join("\n",
                "cd " + dir,
                "mkdir -p " + p + "/ip/tcp/stream/http",
                "cat " + p + "/ip/tcp/stream/http/get/all > spanning.txt &",
                "cat " + p + "/ip/tcp/http/get/all > packets.txt &",
                "cat " + p + "/ip/tcp/stream/http/get/all | grep -a 'Host:' > host.txt &",
                "echo start > " + p + "/.ctl; wait"));
            assertThat(result.exit()).as(result.err()).isZero();
            assertThat(Files.readString(dir.resolve("spanning.txt"))).isEqualTo(request);
            assertThat(Files.readString(dir.resolve("packets.txt"))).isEqualTo(request.substring(0, 20));
            assertThat(Files.readString(dir.resolve("host.txt"))).isEqualTo("Host: split.example\r\n");
            assertThat(Shell.run(10, "ls " + p + "/ip/tcp/stream").out().lines().toList())
                .contains("10.0.0.1.40000-10.0.0.2.80", "http");
        }
    }

    /** Big UDP datagrams sent as fragments over a veth-free path: replayed, defragmented, read by tcpdump. */
    @Test
    void defragUnderIpGivesTcpdumpWholeDatagrams() throws Exception
    {
        final Path capture = dir.resolve("fragments.pcap");
        // tcpdump makes the reference: the same datagrams, unfragmented, in their own capture
        final Path whole = dir.resolve("whole.pcap");
        final int datagrams = 20;
        try (PcapFileWriter fragments = new PcapFileWriter(capture, 1); PcapFileWriter plain = new PcapFileWriter(whole, 1))
        {
            for (int d = 0; d < datagrams; d++)
            {
                final byte[] payload = new byte[3000 + 97 * d];
                for (int i = 0; i < payload.length; i++)
                {
                    payload[i] = (byte)('a' + (i + d) % 26);
                }
                final byte[] ip = udp4(d, payload);
                final long t = 1_700_000_000_000_000_000L + d * 1_000_000L;
                plain.write(new UnsafeBuffer(ethernet(ip)), 0, ip.length + 14, t);
                final List<byte[]> parts = fragments(ip, 1000);
                for (int f = parts.size() - 1; f >= 0; f--) // last fragment first
                {
                    final byte[] frame = ethernet(parts.get(f));
                    fragments.write(new UnsafeBuffer(frame), 0, frame.length, t);
                }
            }
        }
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
        {
            final String p = mount.dir.toString();
            final Shell.Result result = Shell.run(60, String.join("\n",
                "cd " + dir,
                "mkdir -p " + p + "/ip/defrag/udp",
                "tcpdump -nn -v -r " + p + "/ip/defrag/all.pcap > defrag.txt 2>/dev/null &",
                "cat " + p + "/ip/defrag/udp/all | wc -c > udp.txt &",
                "echo start > " + p + "/.ctl; wait"));
            assertThat(result.exit()).as(result.err()).isZero();
            final String expected = Shell.run(30, "tcpdump -nn -v -r " + whole + " 2>/dev/null").out();
            assertThat(expected).contains("proto UDP (17), length 3028)", "UDP, length 3000");
            assertThat(Files.readString(dir.resolve("defrag.txt"))).isEqualTo(expected);
            long udpBytes = 0;
            for (int d = 0; d < datagrams; d++)
            {
                udpBytes += 8 + 3000 + 97 * d;
            }
            assertThat(Files.readString(dir.resolve("udp.txt")).trim()).isEqualTo(Long.toString(udpBytes));
            assertThat(mount.stat("ip/defrag", "elements_out")).isEqualTo(datagrams);
        }
    }

    private static byte[] ethernet(final byte[] ip)
    {
        final byte[] frame = new byte[14 + ip.length];
        frame[5] = 2;
        frame[11] = 1;
        frame[12] = 0x08;
        System.arraycopy(ip, 0, frame, 14, ip.length);
        return frame;
    }

    private static byte[] udp4(final int id, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(28 + payload.length).order(ByteOrder.BIG_ENDIAN);
        b.put((byte)0x45).put((byte)0).putShort((short)(28 + payload.length)).putShort((short)(100 + id)).putShort((short)0)
            .put((byte)64).put((byte)17).putShort((short)0).putInt(0x0a000001).putInt(0x0a000002);
        b.putShort((short)4000).putShort((short)9000).putShort((short)(8 + payload.length)).putShort((short)0);
        b.put(payload);
        final byte[] ip = b.array();
        new UnsafeBuffer(ip).putShort(10, (short)checksum(ip, 20), ByteOrder.BIG_ENDIAN);
        return ip;
    }

    private static List<byte[]> fragments(final byte[] ip, final int mtu)
    {
        final int chunk = (mtu - 20) & ~7;
        final java.util.ArrayList<byte[]> parts = new java.util.ArrayList<>();
        for (int at = 0; at < ip.length - 20; at += chunk)
        {
            final int length = Math.min(chunk, ip.length - 20 - at);
            final byte[] f = new byte[20 + length];
            System.arraycopy(ip, 0, f, 0, 20);
            System.arraycopy(ip, 20 + at, f, 20, length);
            final UnsafeBuffer u = new UnsafeBuffer(f);
            u.putShort(2, (short)f.length, ByteOrder.BIG_ENDIAN);
            u.putShort(6, (short)((at + length < ip.length - 20 ? 0x2000 : 0) | at / 8), ByteOrder.BIG_ENDIAN);
            u.putShort(10, (short)0);
            u.putShort(10, (short)checksum(f, 20), ByteOrder.BIG_ENDIAN);
            parts.add(f);
        }
        return parts;
    }

    /** An Ethernet/IPv4/TCP frame 10.0.0.1:40000 → 10.0.0.2:80 carrying {@code bytes[from, from + length)}. */
    private static UnsafeBuffer tcp(final int seq, final int flags, final byte[] bytes, final int from, final int length)
    {
        final ByteBuffer b = ByteBuffer.allocate(54 + length).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0});
        b.put((byte)0x45).put((byte)0).putShort((short)(40 + length)).putShort((short)1).putShort((short)0x4000)
            .put((byte)64).put((byte)6).putShort((short)0).putInt(0x0a000001).putInt(0x0a000002);
        b.putShort((short)40000).putShort((short)80).putInt(seq).putInt(flags == 0x02 ? 0 : 1).put((byte)0x50)
            .put((byte)flags).putShort((short)65535).putShort((short)0).putShort((short)0);
        b.put(bytes, from, length);
        final byte[] frame = b.array();
        final byte[] header = java.util.Arrays.copyOfRange(frame, 14, 34);
        new UnsafeBuffer(frame).putShort(24, (short)checksum(header, 20), ByteOrder.BIG_ENDIAN);
        return new UnsafeBuffer(frame);
    }

    private static int checksum(final byte[] b, final int length)
    {
        int sum = 0;
        for (int i = 0; i < length; i += 2)
        {
            sum += (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return ~sum & 0xffff;
    }
}
