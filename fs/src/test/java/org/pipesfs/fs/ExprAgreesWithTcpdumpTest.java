package org.pipesfs.fs;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.filters.Captures;
import org.pipesfs.filters.FilterSpecException;
import org.pipesfs.filters.expr.ExprCompiler;
import org.pipesfs.filters.expr.ExprPacket;
import org.pipesfs.filters.expr.Matcher;
import org.pipesfs.nic.pcap.CaptureReader;
import org.pipesfs.nic.pcap.PcapFileWriter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code expr=EXPR} must select exactly the packets {@code tcpdump -r FILE 'EXPR'} selects,
 * compared by packet number, over every shared capture tcpdump can read whole and a synthetic
 * capture with VLAN tags, IPv6, ARP, DNS and HTTP.
 */
class ExprAgreesWithTcpdumpTest
{
    static final List<String> EXPRESSIONS = List.of(
        "ip", "ip6", "tcp", "udp", "icmp", "icmp6", "arp", "vlan", "vlan and tcp", "vlan 100", "vlan 101 or vlan 102",
        "host 145.254.160.237", "src host 10.1.1.2", "dst host 65.208.228.223", "host 2001:db8::12",
        "host 10.0.0.53", "ip host 192.168.43.9", "ip6 src host 2001:db8::15",
        "net 192.168.0.0 mask 255.255.0.0", "net 10.1", "net 10.0.0.0/8", "src net 203.0.113.0/24",
        "dst net 2001:db8::/32", "port 80", "src port 80", "dst port 80", "port 53", "tcp port 80",
        "udp port 53", "tcp dst port 80", "portrange 1-1024", "src portrange 1024-65535", "udp portrange 50-60",
        "len > 100", "len <= 60", "len = 60", "greater 1000", "less 100", "ip proto 6", "ip proto 17", "ip6 proto 58",
        "ip proto \\udp", "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
        "tcp[13] & 2 != 0 and not tcp[13] & 16 != 0", "tcp[tcpflags] & tcp-fin != 0", "tcp[2:2] = 80",
        "not tcp", "! arp", "tcp and port 80", "tcp && dst port 80", "udp || icmp",
        "port 80 or port 53 and ip", "not (tcp or udp)", "(tcp or udp) and not port 53",
        "host 10.1.1.1 or 10.1.1.2", "port 80 or 53", "ip and len > 500", "arp or icmp6",
        "icmp[icmptype] = icmp-echo", "icmp[icmptype] == icmp-echoreply", "ip[8] < 64", "ip[9] = 17",
        "vlan and udp port 53", "vlan and host 203.0.113.5", "ether[0] & 1 != 0", "ether[12:2] = 0x0806",
        "udp[8:2] = 0x8180 or udp[10:2] & 0x8000 != 0", "tcp[100] = 1 or port 53", "!(ip6 || arp) && len >= 70",
        "ether proto 0x0806", "ether proto 0x86dd", "ether proto \\ip", "ether proto 0x8100", "ether host 00:00:01:00:00:00",
        "ether src fe:ff:20:00:01:00", "ether dst host 0:0:1:0:0:0", "ether broadcast", "ether multicast", "broadcast",
        "multicast", "ip multicast", "port http", "port domain", "tcp port http", "udp port domain", "src port domain or dst port http",
        "pppoes", "pppoes and ip", "pppoes and ip6 and udp", "pppoes and tcp port 80", "pppoes 2000 and tcp",
        "mpls", "mpls and ip", "mpls and ip6", "mpls and mpls", "mpls and mpls and ip", "mpls and udp port 53",
        "mpls and not mpls", "geneve", "geneve and ip", "geneve and ip6 and tcp", "geneve and udp port 53",
        "geneve and vlan", "geneve and vlan and ip", "vlan and mpls and ip", "geneve and pppoes", "geneve and geneve");

    /**
     * This tcpdump's libpcap has no {@code vxlan} keyword, so {@code vxlan} is checked against
     * the same tests written as loads: UDP to 4789 over IPv4 or fixed-header IPv6, flags byte
     * 0x08, then the inner Ethernet frame 16 bytes into the UDP payload.
     */
    static final List<List<String>> VXLAN = List.of(
        List.of("vxlan", "(ip and udp dst port 4789 and udp[8] = 8) or (ip6 and ip6[6] = 17 and ip6[42:2] = 4789"
            + " and ip6[48] = 8)"),
        List.of("vxlan and ip", "(ip and udp dst port 4789 and udp[8] = 8 and udp[28:2] = 0x0800) or (ip6 and ip6[6] = 17"
            + " and ip6[42:2] = 4789 and ip6[48] = 8 and ip6[68:2] = 0x0800)"),
        List.of("vxlan and ip6", "(ip and udp dst port 4789 and udp[8] = 8 and udp[28:2] = 0x86dd) or (ip6 and ip6[6] = 17"
            + " and ip6[42:2] = 4789 and ip6[48] = 8 and ip6[68:2] = 0x86dd)"),
        List.of("vxlan and vlan", "(ip and udp dst port 4789 and udp[8] = 8 and (udp[28:2] = 0x8100 or udp[28:2] = 0x88a8"
            + " or udp[28:2] = 0x9100)) or (ip6 and ip6[6] = 17 and ip6[42:2] = 4789 and ip6[48] = 8 and (ip6[68:2] = 0x8100"
            + " or ip6[68:2] = 0x88a8 or ip6[68:2] = 0x9100))"));

    @TempDir
    static Path dir;

    static final List<Path> CAPTURES = new ArrayList<>();

    @BeforeAll
    static void captures() throws Exception
    {
        final Path synthetic = dir.resolve("synthetic.pcap");
        assertThat(PipesFsCommand.execute("synth", "--count", "50000", "--seed", "2026", synthetic.toString())).isZero();
        final List<Path> originals = new ArrayList<>();
        for (final String name : List.of("http.pcap", "dns_icmp.pcap", "test_ethernet.pcap", "be.pcap",
            "truncated_dns.pcap", "le-test001.pcapng", "be-test010.pcapng"))
        {
            originals.add(Captures.of(name));
        }
        originals.add(synthetic);
        final Path tunnels = dir.resolve("tunnels.pcap");
        org.pipesfs.filters.TunnelFrames.writeCapture(tunnels, 2026, 5000, 3);
        originals.add(tunnels);
        for (final Path original : originals)
        {
            CAPTURES.add(indexed(original));
        }
    }

    /**
     * The same records with timestamps 1 s, 2 s, 3 s...: tcpdump -tt then prints each matched
     * packet's index. (tcpdump's -# numbers printed packets, not packets in the file.)
     */
    private static Path indexed(final Path original) throws Exception
    {
        final Path copy = dir.resolve("indexed-" + original.getFileName() + ".pcap");
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[CaptureReader.MAX_RECORD]);
        try (CaptureReader reader = CaptureReader.open(original);
            PcapFileWriter writer = new PcapFileWriter(copy, reader.primaryLinkType()))
        {
            long index = 0;
            while (reader.next())
            {
                frame.putBytes(0, reader.buffer(), reader.offset(), reader.capturedLength());
                writer.write(frame, 0, reader.capturedLength(), reader.originalLength(), ++index * 1_000_000_000L);
            }
        }
        return copy;
    }

    private static List<Integer> ours(final Path capture, final Matcher matcher)
    {
        final List<Integer> matched = new ArrayList<>();
        final ExprPacket packet = new ExprPacket();
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            int number = 0;
            while (reader.next())
            {
                number++;
                packet.reset(reader.buffer(), reader.offset(), reader.capturedLength(), reader.originalLength(),
                    reader.linkType());
                if (Matcher.run(matcher, packet))
                {
                    matched.add(number);
                }
            }
        }
        return matched;
    }

    private static List<Integer> tcpdumps(final Path capture, final String expression) throws Exception
    {
        final Shell.Result result = Shell.run(60, "tcpdump -tt -nn -r " + capture + " '" + expression + "' 2>/dev/null");
        final List<Integer> matched = new ArrayList<>();
        for (final String line : result.out().split("\n"))
        {
            if (line.matches("^\\d+\\.\\d{6} .*"))
            {
                matched.add(Integer.parseInt(line.substring(0, line.indexOf('.'))));
            }
        }
        return matched;
    }

    @Test
    void everyExpressionMatchesExactlyThePacketsTcpdumpMatches() throws Exception
    {
        assertThat(EXPRESSIONS).hasSizeGreaterThanOrEqualTo(40);
        final List<String> disagreements = new ArrayList<>();
        for (final String expression : EXPRESSIONS)
        {
            final Matcher matcher = ExprCompiler.compile(expression);
            long total = 0;
            for (final Path capture : CAPTURES)
            {
                final List<Integer> expected = tcpdumps(capture, expression);
                final List<Integer> actual = ours(capture, matcher);
                total += expected.size();
                if (!actual.equals(expected))
                {
                    disagreements.add(expression + " on " + capture.getFileName() + ": tcpdump " + summary(expected)
                        + " ours " + summary(actual));
                }
            }
            if (total == 0 && !expression.equals("tcp[100] = 1 or port 53"))
            {
                disagreements.add(expression + " matched nothing anywhere: not a useful test");
            }
        }
        assertThat(disagreements).isEmpty();
    }

    @Test
    void vxlanMatchesTheSameTestsWrittenAsLoads() throws Exception
    {
        final List<String> disagreements = new ArrayList<>();
        for (final List<String> pair : VXLAN)
        {
            final Matcher matcher = ExprCompiler.compile(pair.get(0));
            long total = 0;
            for (final Path capture : CAPTURES)
            {
                final List<Integer> expected = tcpdumps(capture, pair.get(1));
                final List<Integer> actual = ours(capture, matcher);
                total += expected.size();
                if (!actual.equals(expected))
                {
                    disagreements.add(pair.get(0) + " on " + capture.getFileName() + ": tcpdump " + summary(expected)
                        + " ours " + summary(actual));
                }
            }
            assertThat(total).as(pair.get(0)).isGreaterThan(0);
        }
        assertThat(disagreements).isEmpty();
    }

    private static String summary(final List<Integer> numbers)
    {
        return numbers.size() + " " + (numbers.size() > 12 ? numbers.subList(0, 12) + "..." : numbers);
    }

    @Test
    void unsupportedOrImpossibleSyntaxNamesTheOffendingToken()
    {
        assertThatThrownBy(() -> ExprCompiler.compile("tcp port")).isInstanceOf(FilterSpecException.class)
            .hasMessageContaining("ends too early");
        assertThatThrownBy(() -> ExprCompiler.compile("tcp port 99999")).hasMessageContaining("'99999' is outside 0..65535");
        assertThatThrownBy(() -> ExprCompiler.compile("host example.com")).hasMessageContaining("'example.com'");
        assertThatThrownBy(() -> ExprCompiler.compile("tcp and and udp")).hasMessageContaining("unexpected 'and'");
        assertThatThrownBy(() -> ExprCompiler.compile("ip broadcast")).hasMessageContaining("'broadcast'");
        assertThatThrownBy(() -> ExprCompiler.compile("(tcp")).hasMessageContaining("ends too early");
        assertThatThrownBy(() -> ExprCompiler.compile("net 10.1.2.3 mask 255.255.0.0")).hasMessageContaining("non-network bits");
        assertThatThrownBy(() -> ExprCompiler.compile("tcp[13:3] = 1")).hasMessageContaining("1, 2 or 4");
        assertThatThrownBy(() -> ExprCompiler.compile("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ExprCompiler.compile("ip proto udp")).hasMessageContaining("'proto \\udp'");
    }

    /** A directory name cannot hold '/': {@code %2F} stands for it, and the node keeps what tcpdump's '/' form keeps. */
    @Test
    void anExprNodeNamesASlashAsPercent2F(@TempDir final Path work) throws Exception
    {
        final Path http = Captures.of("http.pcap");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + http))
        {
            final String node = "expr=dst net 65.208.228.0%2F24";
            java.nio.file.Files.createDirectory(mount.path(node));
            final Path ours = work.resolve("ours.pcap");
            final Process cat = new ProcessBuilder("cat", mount.path(node + "/all.pcap").toString()).redirectOutput(ours.toFile()).start();
            mount.awaitReaders(node, 1);
            java.nio.file.Files.writeString(mount.path(".ctl"), "start\n");
            assertThat(cat.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            final Path expected = work.resolve("expected.pcap");
            assertThat(Shell.run(30, "tcpdump -r " + http + " -w " + expected + " 'dst net 65.208.228.0/24'").exit()).isZero();
            assertThat(CaptureFrames.assertSameInOrder("expr= with %2F", ours, expected)).isEqualTo(16);
            final Shell.Result bad = Shell.run(10, "mkdir '" + mount.path("expr=net 10.0.0.0%2G8") + "'");
            assertThat(bad.err()).contains("Invalid argument");
            // .log follows like dmesg -w: read what it holds for a moment
            assertThat(Shell.run(10, "timeout 1 cat " + mount.path(".log")).out()).contains("'%' starts %2F");
        }
    }
}
