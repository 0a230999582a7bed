package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.pipesfs.filters.Captures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The node graph through a real mount: default tree, canonical scripts, shell errors. */
class GraphMountTest
{
    private static final Path HTTP = Captures.of("http.pcap");

    @Test
    void defaultTreeIsThereAndBareHasOnlyTheRoot() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused"))
        {
            final String dirs = Shell.run(10, "cd " + mount.dir + " && find . -type d | sort").out();
            assertThat(dirs.lines().toList()).containsExactly(".", "./arp", "./ip", "./ip/icmp", "./ip/tcp", "./ip/tcp/http",
                "./ip/udp", "./ip/udp/dns", "./ip6", "./ip6/icmp6", "./ip6/tcp", "./ip6/tcp/http", "./ip6/udp", "./ip6/udp/dns");
            assertThat(Files.readString(mount.path("ip/tcp/http/.stats"))).startsWith("filter http\n");
            assertThat(Shell.run(10, "ls -A " + mount.path("ip/udp")).out().lines().toList())
                .containsExactly(".stats", "all", "all.pcap", "dns");
        }
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            assertThat(Shell.run(10, "cd " + mount.dir + " && find . -type d").out().trim()).isEqualTo(".");
        }
    }

    @Test
    void canonicalReplayScriptYieldsTheHostLinesAndTheDnsPackets() throws Exception
    {
        final Path work = Files.createTempDirectory("canonical");
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + HTTP))
        {
            final String p = mount.dir.toString();
            final Shell.Result result = Shell.run(60,
                "cd " + work + " && sh " + WriteMountTest.SCRIPTS.resolve("replay.sh") + " " + HTTP + " " + p);
            assertThat(result.exit()).as(result.err()).isZero();
            assertThat(Files.readString(work.resolve("hosts.txt")))
                .isEqualTo("Host: www.ethereal.com\r\nHost: pagead2.googlesyndication.com\r\n");
            assertThat(Files.readString(work.resolve("dns.txt")))
                .isEqualTo(Shell.run(30, "tcpdump -nn -r " + HTTP + " udp port 53 2>/dev/null").out())
                .contains("A? pagead2.googlesyndication.com.");
        }
        finally
        {
            Shell.run(10, "rm -rf " + work);
        }
    }

    @Test
    void canonicalReplayScriptOnASyntheticCaptureAgreesWithTshark() throws Exception
    {
        final Path work = Files.createTempDirectory("canonical");
        try
        {
            final Path capture = work.resolve("synthetic.pcap");
            assertThat(PipesFsCommand.execute("synth", "--count", "5000", "--seed", "5", capture.toString())).isZero();
            try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + capture))
            {
                final Shell.Result result = Shell.run(60,
                    "cd " + work + " && sh " + WriteMountTest.SCRIPTS.resolve("replay.sh") + " " + capture + " " + mount.dir);
                assertThat(result.exit()).as(result.err()).isZero();
            }
            final String hosts = Shell.run(60, "tshark -n -r " + capture
                + " -Y 'ip && http.request.method == \"GET\"' -T fields -e http.host 2>/dev/null"
                + " | sed 's/^/Host: /; s/$/\\r/'").out();
            assertThat(hosts.lines().count()).isGreaterThan(50);
            assertThat(Files.readString(work.resolve("hosts.txt"))).isEqualTo(hosts);
            // ip/udp/dns sees through VLAN tags; tcpdump needs them spelled out
            final String dns = Shell.run(60, "tcpdump -nn -r " + capture + " '(ip and udp port 53) or (vlan and ip and udp port 53)"
                + " or (vlan and vlan and ip and udp port 53)' 2>/dev/null").out();
            assertThat(dns.lines().count()).isGreaterThan(50);
            assertThat(Files.readString(work.resolve("dns.txt"))).isEqualTo(dns);
        }
        finally
        {
            Shell.run(10, "rm -rf " + work);
        }
    }

    @Test
    void canonicalSpliceScriptStreamsTheUnionOfBothPorts() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--source", "pcap:" + HTTP))
        {
            final String p = mount.dir.toString();
            final Shell.Result union = Shell.run(60, "sh " + WriteMountTest.SCRIPTS.resolve("splice.sh") + " " + p);
            assertThat(union.exit()).as(union.err()).isZero();
            assertThat(Shell.run(10, "readlink " + p + "/web/tls").out().trim()).isEqualTo(p + "/ip/tcp/port=443");
            assertThat(Files.readString(mount.path("web/.stats"))).startsWith("filter user node\n");
            assertThat(union.out())
                .isEqualTo(Shell.run(30, "tcpdump -nn -r " + HTTP + " 'tcp port 80 or tcp port 443' 2>/dev/null").out());
            assertThat(union.out().lines().count()).isEqualTo(41);
        }
    }

    @Test
    void canonicalSpliceScriptOnSyntheticTrafficStreamsTheUnionOfBothPorts() throws Exception
    {
        final Path work = Files.createTempDirectory("splice");
        try
        {
            final Path capture = work.resolve("synthetic.pcap");
            assertThat(PipesFsCommand.execute("synth", "--count", "5000", "--seed", "9", capture.toString())).isZero();
            try (FuseMount mount = FuseMount.start("--source", "synthetic:count=5000:seed=9"))
            {
                final Shell.Result union = Shell.run(60, "sh " + WriteMountTest.SCRIPTS.resolve("splice.sh") + " " + mount.dir
                    + " | cut -d' ' -f2-");
                assertThat(union.exit()).as(union.err()).isZero();
                // ip/tcp/port=N sees through VLAN tags; tcpdump needs them spelled out. Timestamps
                // differ (the mounted generator stamps the wall clock), so compare the rest.
                final String ports = "ip and tcp and (port 80 or port 443)";
                final String expected = Shell.run(60, "tcpdump -nn -r " + capture + " '(" + ports + ") or (vlan and "
                    + ports + ") or (vlan and vlan and " + ports + ")' 2>/dev/null | cut -d' ' -f2-").out();
                assertThat(expected.lines().count()).isGreaterThan(1000);
                assertThat(union.out()).isEqualTo(expected);
            }
        }
        finally
        {
            Shell.run(10, "rm -rf " + work);
        }
    }

    @Test
    void inspectGivesTcpdumpsLineForEachElement() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + HTTP))
        {
            final String p = mount.dir.toString();
            final Shell.Result result = Shell.run(60, "mkdir " + p + "/ip/tcp/inspect && "
                + "(cat " + p + "/ip/tcp/inspect/all > " + p + "/../inspect.txt &) ; sleep 0.3; echo start > " + p + "/.ctl; "
                + "sleep 1; cat " + p + "/../inspect.txt; rm " + p + "/../inspect.txt");
            final List<String> ours = result.out().lines().toList();
            final List<String> theirs = Shell.run(30, "TZ=UTC tcpdump -nn -r " + HTTP + " tcp 2>/dev/null").out().lines()
                .toList();
            assertThat(ours).hasSize(41).isEqualTo(theirs);
            assertThat(ours.stream().filter(line -> line.contains("Flags [S]")).count()).isEqualTo(1);
        }
    }

    @Test
    void shellOperationsFailWithThePreciseErrorAndTheMountStaysUsable() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused"))
        {
            final String p = mount.dir.toString();
            final List<String[]> cases = List.of(
                new String[] {"mkdir " + p + "/ip/tcp/port=99999", "Invalid argument"},
                new String[] {"mkdir '" + p + "/expr=tcp port'", "Invalid argument"},
                new String[] {"mkdir " + p + "/ip", "File exists"},
                new String[] {"mkdir " + p + "/nope/x", "No such file or directory"},
                new String[] {"rmdir " + p + "/ip", "Directory not empty"},
                new String[] {"mkdir " + p + "/" + "n".repeat(256), "File name too long"},
                new String[] {"ln -s " + p + "/ip/tcp " + p + "/ip/up", "Too many levels of symbolic links"},
                new String[] {"ln -s /etc " + p + "/outside", "Invalid cross-device link"},
                new String[] {"python3 -c 'import os, sys; os.rename(sys.argv[1], sys.argv[2])' " + p + "/ip " + p + "/ip/tcp/ip",
                    "Invalid argument"},
                new String[] {"echo x > " + p + "/ip/.stats", "Permission denied"});
            for (final String[] c : cases)
            {
                final Shell.Result result = Shell.run(10, c[0]);
                assertThat(result.exit()).as(c[0]).isNotZero();
                assertThat(result.err()).as(c[0]).contains(c[1]);
            }
            final String log = Files.readString(mount.log);
            assertThat(log).contains("port 99999 is outside 0..65535").contains("ends too early")
                .contains("would make a loop").contains("is outside the mount");

            final Shell.Result fine = Shell.run(30, String.join(" && ",
                "mkdir '" + p + "/expr=tcp dst port 80 and not host 10.0.0.1'",
                "mkdir -p " + p + "/a/b/c",
                "mv " + p + "/a/b " + p + "/moved",
                "rm -r " + p + "/a " + p + "/moved",
                "ls " + p));
            assertThat(fine.exit()).as(fine.err()).isZero();
            assertThat(fine.out().lines().toList()).containsExactly("all", "all.pcap", "arp", "expr=tcp dst port 80 and not host 10.0.0.1", "ip", "ip6");
        }
    }
}
