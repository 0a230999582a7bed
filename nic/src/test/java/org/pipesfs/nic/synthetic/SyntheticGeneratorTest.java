package org.pipesfs.nic.synthetic;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.nic.pcap.PcapFileWriter;
import org.pipesfs.nic.pcap.PcapFormat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyntheticGeneratorTest
{
    @TempDir
    Path dir;

    private static byte[] generate(final long seed, final int frames)
    {
        return generate(seed, TrafficMix.DEFAULT, frames);
    }

    private static byte[] generate(final long seed, final TrafficMix mix, final int frames)
    {
        final SyntheticGenerator generator = new SyntheticGenerator(seed, mix);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[SyntheticGenerator.MAX_FRAME]);
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < frames; i++)
        {
            final int length = generator.next(buffer, 0);
            assertThat(length).isBetween(60, SyntheticGenerator.MAX_FRAME);
            out.write(buffer.byteArray(), 0, length);
        }
        return out.toByteArray();
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedDoesNot()
    {
        final byte[] a = generate(42, 20_000);
        final byte[] b = generate(42, 20_000);
        final byte[] c = generate(43, 20_000);
        assertThat(Arrays.equals(a, b)).isTrue();
        assertThat(Arrays.equals(a, c)).isFalse();
    }

    @Test
    void tsharkFindsEveryProtocolAndNoBadChecksumOrMalformedPacket() throws Exception
    {
        final Path capture = dir.resolve("synthetic.pcap");
        final SyntheticGenerator generator = new SyntheticGenerator(7);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[SyntheticGenerator.MAX_FRAME]);
        try (PcapFileWriter writer = new PcapFileWriter(capture, PcapFormat.LINKTYPE_ETHERNET))
        {
            for (int i = 0; i < 20_000; i++)
            {
                writer.write(buffer, 0, generator.next(buffer, 0), 1_700_000_000_000_000_000L + i * 1000L);
            }
        }
        final String checks = "-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE";
        final String bad = run("tshark -n -r " + capture + " " + checks
            + " -Y '_ws.malformed || _ws.expert.severity >= warning && !(tcp.flags.fin == 1) && !(tcp.flags.reset == 1)'"
            + " -T fields -e frame.number -e _ws.expert.message");
        assertThat(bad).as("frames tshark flags as malformed or bad").isEmpty();
        final String badChecksums = run("tshark -n -r " + capture + " " + checks
            + " -Y 'ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\""
            + " || icmp.checksum.status == \"Bad\" || icmpv6.checksum.status == \"Bad\"' -T fields -e frame.number");
        assertThat(badChecksums).isEmpty();
        final String good = run("tshark -n -r " + capture + " " + checks
            + " -Y 'tcp.checksum.status == \"Good\"' -T fields -e frame.number | wc -l");
        assertThat(Long.parseLong(good.trim())).isGreaterThan(5000);
        final String hierarchy = run("tshark -n -r " + capture + " -q -z io,phs");
        for (final String protocol : new String[] {"eth", "ip", "ipv6", "tcp", "http", "udp", "dns", "icmp", "icmpv6", "arp", "vlan"})
        {
            assertThat(hierarchy).as(protocol).containsPattern("(?m)^\\s+" + protocol + "\\s+frames:");
        }
        final String methods = run("tshark -n -r " + capture + " -Y http.request -T fields -e http.request.method | sort -u");
        assertThat(methods.split("\n")).contains("GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS");
        final String dotdot = run("tshark -n -r " + capture + " -Y 'http.request.uri contains \"..\"' -T fields -e frame.number | wc -l");
        assertThat(Long.parseLong(dotdot.trim())).isPositive();
    }

    @Test
    void theWebMixCarriesWholeMultiSegmentResponsesThatTsharkReassembles() throws Exception
    {
        final Path capture = dir.resolve("web.pcap");
        final SyntheticGenerator generator = new SyntheticGenerator(3, TrafficMix.WEB);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[SyntheticGenerator.MAX_FRAME]);
        long bytes = 0;
        final java.util.Set<Integer> firstOctets = new java.util.HashSet<>();
        try (PcapFileWriter writer = new PcapFileWriter(capture, PcapFormat.LINKTYPE_ETHERNET))
        {
            for (int i = 0; i < 20_000; i++)
            {
                final int length = generator.next(buffer, 0);
                assertThat(length).isBetween(60, SyntheticGenerator.MAX_FRAME);
                bytes += length;
                // Untagged IPv4 to port 80: the source is a client.
                if (buffer.getShort(12, java.nio.ByteOrder.BIG_ENDIAN) == 0x0800 && buffer.getByte(23) == 6
                    && buffer.getShort(36, java.nio.ByteOrder.BIG_ENDIAN) == 80)
                {
                    firstOctets.add(buffer.getByte(26) & 0xff);
                }
                writer.write(buffer, 0, length, 1_700_000_000_000_000_000L + i * 1000L);
            }
        }
        assertThat(bytes / 20_000).as("average frame").isGreaterThan(800);
        assertThat(firstOctets).as("client first octets").hasSizeGreaterThan(150).doesNotContain(10, 127);
        final String checks = "-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE";
        final String bad = run("tshark -n -r " + capture + " " + checks
            + " -Y '_ws.malformed || _ws.expert.severity >= warning && !(tcp.flags.fin == 1) && !(tcp.flags.reset == 1)"
            + " || tcp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\"' -T fields -e frame.number -e _ws.expert.message");
        assertThat(bad).as("frames tshark flags as malformed or bad").isEmpty();
        // A body shorter than its Content-Length would leave its response unfinished; a longer
        // one would leave a continuation that is neither request nor response.
        final String counts = run("for f in http.request http.response 'http && !http.request && !http.response'"
            + " 'tcp.segment.count > 5'; do tshark -n -r " + capture + " -Y \"$f\" | wc -l; done");
        final String[] n = counts.trim().split("\\s+");
        assertThat(Long.parseLong(n[0])).as("requests").isGreaterThan(500);
        // Up to one conversation a slot is cut off where the capture ends.
        assertThat(Long.parseLong(n[1])).as("responses").isBetween(Long.parseLong(n[0]) - 4, Long.parseLong(n[0]));
        assertThat(Long.parseLong(n[2])).as("continuations").isZero();
        assertThat(Long.parseLong(n[3])).as("responses of more than five segments").isGreaterThan(200);
    }

    @Test
    void theWebMixIsDeterministicAndUnlikeTheDefault()
    {
        final byte[] a = generate(42, TrafficMix.WEB, 5_000);
        assertThat(Arrays.equals(a, generate(42, TrafficMix.WEB, 5_000))).isTrue();
        assertThat(Arrays.equals(a, generate(43, TrafficMix.WEB, 5_000))).isFalse();
        assertThat(a.length).isGreaterThan(2 * generate(42, 5_000).length);
    }

    @Test
    void specParsesOptionsAndRejectsBadOnesWithAReason()
    {
        assertThat(SyntheticSpec.parse("synthetic")).isEqualTo(new SyntheticSpec(0, 0, 1));
        assertThat(SyntheticSpec.parse("synthetic:count=10:rate=5:seed=9")).isEqualTo(new SyntheticSpec(10, 5, 9));
        assertThatThrownBy(() -> SyntheticSpec.parse("synthetic:count=x")).hasMessageContaining("count=x");
        assertThatThrownBy(() -> SyntheticSpec.parse("synthetic:speed=1")).hasMessageContaining("unknown synthetic option 'speed'");
        assertThatThrownBy(() -> SyntheticSpec.parse("synthetic:count=-3")).hasMessageContaining("count must not be negative");
    }

    private static String run(final String script) throws Exception
    {
        final Process process = new ProcessBuilder("bash", "-c", script).redirectErrorStream(false).start();
        final String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(script + "\n" + new String(process.getErrorStream().readAllBytes())).isZero();
        return out;
    }
}
