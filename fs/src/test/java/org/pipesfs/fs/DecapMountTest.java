package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.filters.TunnelFrames;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code decap} through a real mount: its pcap files are inner packets that tcpdump and tshark read. */
class DecapMountTest
{
    @TempDir
    Path dir;

    @Test
    void getsInsideTunnelsReachDecapsHttpClassAsPcapThatTsharkReads() throws Exception
    {
        final Path capture = dir.resolve("tunnels.pcap");
        TunnelFrames.writeCapture(capture, 47, 3000, 3);
        // tshark: every GET, and those whose innermost packet is IPv6
        final String expected = Shell.run(60, "tshark -n -r " + capture + " -o tcp.desegment_tcp_streams:FALSE"
            + " -Y 'http.request.method == \"GET\"' -T fields -e frame.number 2>/dev/null"
            + " | grep -c .").out().trim();
        final String expectedV6 = Shell.run(60, "tshark -n -r " + capture + " -o tcp.desegment_tcp_streams:FALSE"
            + " -Y 'http.request.method == \"GET\"' -T fields -e frame.protocols 2>/dev/null"
            + " | grep -c 'ipv6:tcp:http$'").out().trim();
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
        {
            Files.createDirectories(mount.path("decap/ip/tcp/http/get"));
            final Path out = ReplayMountTest.replay(mount, dir.resolve("get.pcap"), "decap/ip/tcp/http/get/all.pcap");

            final long gets = Long.parseLong(Shell.run(60, "tshark -n -r " + out + " -o tcp.desegment_tcp_streams:FALSE"
                + " -Y 'http.request.method == \"GET\"' 2>/dev/null | grep -c .").out().trim());
            final long records = ReplayMountTest.tsharkCountAndBytes(out)[0];
            assertThat(records).as("every record is a GET").isEqualTo(gets);
            // Inner IPv4 GETs are the GETs minus those carried in IPv6 at the innermost layer.
            assertThat(records).isEqualTo(Long.parseLong(expected) - Long.parseLong(expectedV6)).isGreaterThan(300);
            assertThat(ReplayMountTest.tcpdump(out).lines().filter(l -> l.contains(" IP ") && l.contains(".80: "))
                .count()).as("tcpdump reads the inner packets behind their made-up Ethernet headers").isEqualTo(records);
            assertThat(Files.readString(mount.path("decap/.stats"))).contains("decapsulated 3000\n", "malformed 0\n");
        }
    }
}
