package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.pipesfs.filters.Captures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes to {@code all} and {@code all.pcap} through a real mount, and the scrub
 * canonical script run from {@code examples/scripts} as written.
 */
class WriteMountTest
{
    static final Path HTTP = Captures.of("http.pcap");
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
                mount.awaitReaders("httpclean", 0);
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
            mount.awaitReaders("u", 0);
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

    /**
     * A writer blocked because the one reader of its node never reads: Ctrl-C ends its write,
     * its slot is released, and killing the stalled reader lets the next writer through.
     */
    @Test
    void aBlockedWriterDiesOnSigintAndAKilledReaderReleasesTheNext() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            Files.createDirectory(mount.path("u"));
            // Opens u/all, reads nothing, sleeps: the ring fills, then the inlet, then writes wait.
            final Process stalled = new ProcessBuilder("python3", "-c",
                "import os, sys, time; r = os.open(sys.argv[1], os.O_RDONLY); print('open', flush=True); time.sleep(120)",
                mount.path("u/all").toString()).start();
            final Process writer = new ProcessBuilder("env", "--default-signal=INT", "bash", "-c",
                "yes 0123456789abcdef > " + mount.path("u/all")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                assertThat(new String(stalled.getInputStream().readNBytes(5))).isEqualTo("open\n");
                long out = -1;
                long now = mount.stat("u", "elements_in");
                while (now != out) // until the writer no longer gets anything in
                {
                    out = now;
                    Thread.sleep(300);
                    now = mount.stat("u", "elements_in");
                }
                // 8 KiB writes: the written buffer (16 MiB here) and the 2 MiB inlet fill, then write() waits
                assertThat(now).as("elements taken before the writer blocked").isGreaterThan(2_000);
                assertThat(mount.stat("u", "writers")).isEqualTo(1);
                assertThat(writer.isAlive()).as("writer blocked in write()").isTrue();
                Shell.signal(writer.descendants().findFirst().map(ProcessHandle::pid).orElse(writer.pid()), "INT");
                assertThat(writer.waitFor(5, TimeUnit.SECONDS)).as("writer ended after SIGINT").isTrue();
                Thread.sleep(200);
                assertThat(mount.stat("u", "writers")).as("what it wrote is still waiting for the reader").isEqualTo(1);

                stalled.destroyForcibly().waitFor();
                awaitStat(mount, "u", "readers", 0);
                awaitStat(mount, "u", "writers", 0);
                final Shell.Result next = Shell.run(30, "head -c 10000000 /dev/zero > " + mount.path("u/all") + " && echo ok");
                assertThat(next.out()).isEqualTo("ok\n");
                awaitStat(mount, "u", "writers", 0);
            }
            finally
            {
                Shell.kill(writer);
                Shell.kill(stalled);
            }
        }
    }

    private static void awaitStat(final FuseMount mount, final String node, final String key, final long value) throws Exception
    {
        long now = mount.stat(node, key);
        for (int i = 0; i < 250 && now != value; i++)
        {
            Thread.sleep(20);
            now = mount.stat(node, key);
        }
        assertThat(now).as("%s of %s", key, node).isEqualTo(value);
    }
}
