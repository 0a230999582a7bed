package org.pipesfs.fs;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes to {@code all} and {@code all.pcap} through a real mount (SPEC §3), and the scrub
 * script of SPEC §6 run from {@code examples/scripts} as written.
 */
class WriteMountTest
{
    static final Path HTTP = GraphMountTest.HTTP;
    static final Path SCRIPTS = Path.of("../examples/scripts").toAbsolutePath().normalize();

    /** Runs a Python program (given on stdin-free {@code -c}) with the mount path as argv[1]. */
    private static Shell.Result python(final long timeout, final String program, final String mount) throws Exception
    {
        return Shell.run(timeout, "python3 -c \"$(cat <<'PY'\n" + program + "\nPY\n)\" " + mount);
    }

    @Test
    void scrubScriptOnHttpPcapKeepsGrepsGetLines() throws Exception
    {
        final Path work = Files.createTempDirectory("scrub");
        try (FuseMount mount = FuseMount.start("--source", "pcap:" + HTTP))
        {
            final String p = mount.dir.toString();
            // A third reader keeps the http stream the script's grep saw, as the reference.
            final Shell.Result result = Shell.run(60, String.join("\n",
                "cd " + work,
                "cat " + p + "/ip/tcp/http/all > http.bin &",
                "sh " + SCRIPTS.resolve("scrub.sh") + " " + p + " > clean.txt",
                "wait",
                "grep -av '\\.\\.' http.bin | grep -a '^GET ' > expected.txt"));
            assertThat(result.exit()).as(result.err()).isZero();
            final String clean = Files.readString(work.resolve("clean.txt"), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(clean).isEqualTo(Files.readString(work.resolve("expected.txt"), java.nio.charset.StandardCharsets.ISO_8859_1))
                .isEqualTo("GET /download.html HTTP/1.1\r\n");
            assertThat(Files.readString(mount.path("httpclean/.stats"))).contains("filter user node\n", "writers 0\n");
            assertThat(mount.stat("httpclean/get", "elements_out")).isEqualTo(1);
        }
        finally
        {
            Shell.run(10, "rm -rf " + work);
        }
    }

    /**
     * Synthetic traffic with '..' in some request paths, through a 1 MiB buffer so the loop
     * {@code cat http/all | grep > httpclean/all} runs under back-pressure the whole time.
     */
    @Test
    void scrubScriptOnSyntheticTrafficDropsEveryRequestWithDotDot() throws Exception
    {
        final Path work = Files.createTempDirectory("scrub");
        try
        {
            final Path capture = work.resolve("synthetic.pcap");
            assertThat(PipesFsCommand.execute("synth", "--count", "20000", "--seed", "11", capture.toString())).isZero();
            final List<String> all = Shell.run(60, "tshark -n -r " + capture + " -Y 'ip && http.request.method == \"GET\"' "
                + "-T fields -e http.request.method -e http.request.uri -e http.request.version 2>/dev/null").out()
                .lines().map(line -> line.replace('\t', ' ')).toList();
            final List<String> expected = all.stream().filter(line -> !line.contains("..")).toList();
            assertThat(all.size() - expected.size()).as("requests with '..' to scrub").isGreaterThan(50);
            try (FuseMount mount = FuseMount.start("--buffer", "1M", "--source", "synthetic:count=20000:seed=11"))
            {
                final Shell.Result result = Shell.run(120, "sh " + SCRIPTS.resolve("scrub.sh") + " " + mount.dir);
                assertThat(result.exit()).as(result.err()).isZero();
                assertThat(result.out().lines().toList()).isEqualTo(expected);
                assertThat(mount.stat("httpclean", "writers")).isZero();
                assertThat(mount.stat("httpclean", "readers")).isZero();
            }
        }
        finally
        {
            Shell.run(10, "rm -rf " + work);
        }
    }

    @Test
    void eachWriteIsOneElementAndTheLastWriterEndsTheRun() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            final Shell.Result result = python(30, String.join("\n",
                "import os, sys",
                "m = sys.argv[1]",
                "os.mkdir(m + '/u')",
                "def writers():",
                "    return [l for l in open(m + '/u/.stats').read().split('\\n') if l.startswith('writers ')][0]",
                "r = os.open(m + '/u/all', os.O_RDONLY)",
                "w = os.open(m + '/u/all', os.O_WRONLY)",
                "print(writers())",
                "os.write(w, b'alpha'); os.write(w, b'beta\\n'); os.write(w, b'x' * 70000)",
                "print(os.read(r, 5), os.read(r, 65536), len(os.read(r, 65800)), len(os.read(r, 65800)))",
                "os.close(w)",
                "print(os.read(r, 100), writers())",
                "os.close(r)",
                "r = os.open(m + '/u/all', os.O_RDONLY)",
                "w = os.open(m + '/u/all', os.O_WRONLY | os.O_TRUNC)",
                "os.write(w, b'gamma')",
                "print(os.read(r, 100))",
                "os.close(w)",
                "print(os.read(r, 100))"), mount.dir.toString());
            assertThat(result.exit()).as(result.err()).isZero();
            assertThat(result.out()).isEqualTo(String.join("\n",
                "writers 1",
                // whole elements per read; 70000 bytes are more than one slot holds: two elements
                "b'alpha' b'beta\\n' 65792 4208",
                "b'' writers 0",
                "b'gamma'",
                "b''", ""));
            assertThat(mount.stat("u", "elements_out")).isEqualTo(5);
            assertThat(mount.stat("u", "readers")).isZero();
        }
    }

    @Test
    void pcapWritesInAnyPiecesBecomeRecordsThatChildNodesClassify() throws Exception
    {
        final Path work = Files.createTempDirectory("pcapwrite");
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            final String p = mount.dir.toString();
            final String expected = Shell.run(30, "tcpdump -nn -r " + HTTP + " 2>/dev/null").out();
            final Shell.Result result = Shell.run(60, String.join("\n",
                "cd " + work,
                "mkdir -p " + p + "/u/ip/tcp/http",
                "tcpdump -nn -r " + p + "/u/all.pcap > run1.txt 2>/dev/null &",
                "cat " + p + "/u/ip/tcp/http/get/all | grep -a 'Host:' > hosts.txt &",
                "sleep 0.3",
                // the first run in 7-byte writes: every record and the header split across writes
                "python3 -c 'import os,sys; d=open(sys.argv[1],\"rb\").read(); w=os.open(sys.argv[2],os.O_WRONLY); "
                    + "[os.write(w, d[i:i+7]) for i in range(0, len(d), 7)]; os.close(w)' " + HTTP + " " + p + "/u/all.pcap",
                "wait",
                // a later writer opens a new run
                "tcpdump -nn -r " + p + "/u/all.pcap > run2.txt 2>/dev/null &",
                "sleep 0.3",
                "cat " + HTTP + " > " + p + "/u/all.pcap",
                "wait"));
            assertThat(result.exit()).as(result.err()).isZero();
            assertThat(Files.readString(work.resolve("run1.txt"))).isEqualTo(expected);
            assertThat(Files.readString(work.resolve("run2.txt"))).isEqualTo(expected);
            assertThat(Files.readString(work.resolve("hosts.txt")))
                .isEqualTo("Host: www.ethereal.com\r\nHost: pagead2.googlesyndication.com\r\n");
            assertThat(mount.stat("u", "elements_out")).isEqualTo(2 * 43);
        }
        finally
        {
            Shell.run(10, "rm -rf " + work);
        }
    }

    @Test
    void aMalformedPcapWriteFailsWithEinvalAndKeepsWhatWasAccepted() throws Exception
    {
        final Path work = Files.createTempDirectory("pcapbad");
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            final String p = mount.dir.toString();
            final Shell.Result result = Shell.run(60, String.join("\n",
                "cd " + work,
                "mkdir " + p + "/u",
                "tcpdump -nn -r " + p + "/u/all.pcap > out.txt 2>/dev/null &",
                "sleep 0.3",
                "python3 - " + HTTP + " " + p + "/u/all.pcap <<'PY'",
                "import os, sys, struct, errno",
                "d = open(sys.argv[1], 'rb').read()",
                "at = 24",
                "for _ in range(5):",
                "    at += 16 + struct.unpack_from('<I', d, at + 8)[0]",
                "w = os.open(sys.argv[2], os.O_WRONLY)",
                "os.write(w, d[:at])",
                "try:",
                "    os.write(w, struct.pack('<IIII', 0, 0, 0x7fffffff, 0x7fffffff))",
                "    print('accepted')",
                "except OSError as e:",
                "    print(errno.errorcode[e.errno])",
                "os.close(w)",
                "PY",
                "wait"));
            assertThat(result.exit()).as(result.err()).isZero();
            assertThat(result.out()).isEqualTo("EINVAL\n");
            assertThat(Files.readString(work.resolve("out.txt")))
                .isEqualTo(Shell.run(30, "tcpdump -nn -c 5 -r " + HTTP + " 2>/dev/null").out());
            assertThat(Files.readString(mount.log)).contains("record of 2147483647 bytes");
        }
        finally
        {
            Shell.run(10, "rm -rf " + work);
        }
    }
}
