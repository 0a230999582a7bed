package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.pipesfs.fs.os.MountPoints;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A mount left running and shared by several users: removing a node never waits for its
 * readers, unmount ends every reader with end-of-file, a refused operation changes nothing,
 * names cannot forge lines, a link never widens who can read a stream, and another user cannot
 * aim or flood the server's log.
 */
class HardeningMountTest
{
    private static final String AS_NOBODY = "setpriv --reuid=nobody --regid=nogroup --clear-groups ";

    @Test
    void rmdirAndMvReturnAtOnceWhileReadersAreBlockedAndTheReadersGetEndOfFile() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            final String m = mount.dir.toString();
            final Shell.Result run = Shell.run(60, String.join("\n",
                "mkdir " + m + "/r " + m + "/a " + m + "/a/b",
                "cat " + m + "/r/all > /dev/null & r=$!",
                "cat " + m + "/a/b/all > /dev/null & b=$!",
                "sleep 0.5",
                "s=$(date +%s%N); timeout 5 rmdir " + m + "/r || echo 'rmdir hung'",
                "timeout 5 mv " + m + "/a " + m + "/c || echo 'mv hung'",
                "timeout 5 rmdir " + m + "/c/b " + m + "/c || echo 'ancestor rmdir hung'",
                "echo took_ms $(( ($(date +%s%N) - s) / 1000000 ))",
                "timeout 5 tail --pid=$r -f /dev/null; wait $r; echo r=$?",
                "timeout 5 tail --pid=$b -f /dev/null; wait $b; echo b=$?"));
            System.out.println("rmdir, mv and rmdir of the ancestors with blocked readers: " + run.out().trim());
            assertThat(run.out()).as(run.err()).doesNotContain("hung").contains("r=0\n").contains("b=0\n");
            assertThat(run.err()).as("readers end with end-of-file, not an error").isEmpty();
            assertThat(Files.readString(mount.path(".graph"))).isEqualTo("/\n");
        }
    }

    @Test
    void lazyUnmountUnderLoadGivesEveryBusyReaderEndOfFile() throws Exception
    {
        for (int round = 0; round < 3; round++)
        {
            try (FuseMount mount = FuseMount.start())
            {
                final List<Process> readers = new ArrayList<>();
                final List<Path> errors = new ArrayList<>();
                try
                {
                    for (int i = 0; i < 8; i++)
                    {
                        final Path err = Files.createTempFile("reader", ".err");
                        errors.add(err);
                        readers.add(new ProcessBuilder("cat", mount.path(i % 2 == 0 ? "all" : "ip/tcp/all").toString())
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start());
                    }
                    mount.awaitReaders("", 4);
                    mount.awaitReaders("ip/tcp", 4);
                    Thread.sleep(300); // all eight busy reading
                    assertThat(mount.unmount()).as("server exit code").isZero();
                    for (int i = 0; i < readers.size(); i++)
                    {
                        assertThat(readers.get(i).waitFor(10, TimeUnit.SECONDS)).as("reader ended").isTrue();
                        assertThat(Files.readString(errors.get(i))).as("reader " + i + " of round " + round).isEmpty();
                        assertThat(readers.get(i).exitValue()).as("cat ended on end-of-file").isZero();
                    }
                }
                finally
                {
                    readers.forEach(Shell::kill);
                    for (final Path err : errors)
                    {
                        Files.deleteIfExists(err);
                    }
                }
            }
        }
    }

    @Test
    void aRefusedRenameLeavesTheGraphExactlyAsItWas() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            final String m = mount.dir.toString();
            assertThat(Shell.run(10, "mkdir " + m + "/A " + m + "/B " + m + "/B/keep && ln -s " + m + "/A " + m + "/B/in")
                .exit()).isZero();
            final String before = Files.readString(mount.path(".graph"));
            final Shell.Result mv = Shell.run(10, "mv -T " + m + "/A " + m + "/B/keep");
            assertThat(mv.err()).contains("Too many levels of symbolic links");
            assertThat(Files.readString(mount.path(".graph"))).isEqualTo(before).contains("/B/keep\n");
        }
    }

    @Test
    void namesCannotForgeLinesOrLinksInGraphAndStats() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            final String m = mount.dir.toString();
            final Shell.Result made = Shell.run(10, "mkdir '" + m + "/x -> ip' $'" + m + "/new\\nline' '"
                + m + "/back\\slash' && mkdir '" + m + "/expr=tcp\tport 80'");
            assertThat(made.exit()).as(made.err()).isZero();
            assertThat(Files.readString(mount.path(".graph")).split("\n")).containsExactlyInAnyOrder(
                "/", "/x\\040->\\040ip", "/new\\012line", "/back\\134slash", "/expr=tcp\\011port\\04080");
            assertThat(Files.readString(mount.path("expr=tcp\tport 80/.stats")))
                .startsWith("filter expr=tcp\\011port 80\n");
            assertThat(Shell.run(10, "printf '%b\\n' \"$(sed -n 2p " + m + "/.graph)\"").out())
                .as("printf %b undoes the escapes").isIn("/x -> ip\n", "/new\nline\n", "/back\\slash\n", "/expr=tcp\tport 80\n");
        }
    }

    @Test
    void aLinkNeverWidensWhoCanReadAStream() throws Exception
    {
        try (FuseMount mount = FuseMount.start("-o", "allow_other", "--paused"))
        {
            final String m = mount.dir.toString();
            assertThat(Shell.run(10, "chmod 0700 " + m + "/ip && mkdir " + m + "/pub && chmod 1777 " + m + "/pub").exit()).isZero();
            final String before = Files.readString(mount.path(".graph"));

            final Shell.Result hidden = Shell.run(10, AS_NOBODY + "ln -s " + m + "/ip/udp/dns " + m + "/pub/leak");
            assertThat(hidden.err()).as("a node under a 0700 directory").contains("Permission denied");
            final Shell.Result relative = Shell.run(10, "cd " + m + "/pub && " + AS_NOBODY + "ln -s ../ip/udp/dns/all leak");
            assertThat(relative.err()).as("the same, named relative to the link").contains("Permission denied");

            assertThat(Shell.run(10, "chmod 0755 " + m + "/ip").exit()).isZero();
            final Shell.Result unreadable = Shell.run(10, AS_NOBODY + "ln -s " + m + "/ip/udp/dns " + m + "/pub/leak");
            assertThat(unreadable.err()).as("all is 0600 root").contains("Permission denied");
            assertThat(Files.readString(mount.path(".graph"))).isEqualTo(before);

            assertThat(Shell.run(10, "chmod 0644 " + m + "/ip/udp/dns/all").exit()).isZero();
            final Shell.Result allowed = Shell.run(10, AS_NOBODY + "ln -s " + m + "/ip/udp/dns " + m + "/pub/dns");
            assertThat(allowed.exit()).as(allowed.err()).isZero();
            assertThat(Files.readString(mount.path(".graph"))).contains("/pub/dns -> " + m + "/ip/udp/dns\n");
            assertThat(Shell.run(10, "ln -s " + m + "/arp " + m + "/pub/arp").exit()).as("root may link anything").isZero();
        }
    }

    @Test
    void theLogIsPrivateBoundedAndShowsOnlyThisAttempt() throws Exception
    {
        final Path dir = Files.createTempDirectory("pipesfs-logged");
        final Path planted = Path.of("/tmp", "pipesfs-" + dir.toString().replace('/', '_') + ".log");
        final Path victim = Files.createTempFile("victim", ".txt");
        Files.writeString(victim, "precious\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-rw-rw-"));
        final String m = dir.toString();
        try
        {
            // another user prepares the old predictable path, hoping root appends to their target
            assertThat(Shell.run(10, AS_NOBODY + "ln -sf " + victim + " " + planted).exit()).isZero();
            final Shell.Result mounted = Shell.run(60,
                String.join(" ", Shell.pipesfs("mount", "-o", "allow_other", "--source", "synthetic:rate=100", m)));
            assertThat(mounted.exit()).as(mounted.err()).isZero();
            assertThat(Shell.run(10, "mkdir " + m + "/pub && chmod 1777 " + m + "/pub").exit()).isZero();

            // a flood of refused operations from another user
            final Shell.Result flood = Shell.run(120, AS_NOBODY + "bash -c 'for i in $(seq 2000); do mkdir "
                + m + "/pub/port=99999 2>/dev/null; done; true'");
            assertThat(flood.exit()).as(flood.err()).isZero();
            final Path log = Path.of("/run/pipesfs", m.replace('/', '_') + ".log");
            final String text = Files.readString(log);
            assertThat(text).contains("port=99999").contains("messages suppressed");
            assertThat(Files.size(log)).as("bounded by rate").isLessThan(ServerLog.BURST * 400L);
            assertThat(Shell.run(10, "stat -c '%a %U %F' /run/pipesfs " + log).out())
                .isEqualTo("700 root directory\n600 root regular file\n");
            assertThat(Files.readString(victim)).as("the planted link was not followed").isEqualTo("precious\n");

            assertThat(Shell.run(30, "fusermount -u " + m).exit()).isZero();
            MountPoints.await(dir, false, 10_000);

            // a failed attempt prints its own lines, not the previous mount's
            for (int attempt = 0; attempt < 2; attempt++)
            {
                final Shell.Result failed = Shell.run(60,
                    String.join(" ", Shell.pipesfs("mount", "-o", "no_such_option", m)));
                assertThat(failed.exit()).isNotZero();
                assertThat(failed.err()).contains("no_such_option").doesNotContain("port=99999");
                assertThat(failed.err().split("no_such_option", -1)).as(failed.err()).hasSize(2);
            }
        }
        finally
        {
            Shell.run(10, "fusermount -u -z " + m + " 2>/dev/null; pkill -f -- '" + m + "$'; true");
            MountPoints.await(dir, false, 5_000);
            Files.deleteIfExists(planted);
            Files.deleteIfExists(Path.of("/run/pipesfs", m.replace('/', '_') + ".log"));
            Files.deleteIfExists(Path.of("/run/pipesfs", m.replace('/', '_') + ".log.1"));
            Files.deleteIfExists(victim);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void streamNodesPastTheMemoryBudgetFailWithEnomemAndEverythingElseKeepsStreaming() throws Exception
    {
        try (FuseMount mount = FuseMount.start("-o", "allow_other", "--memory", "64M", "--source", "synthetic:rate=20000"))
        {
            final String tcp = mount.path("ip/tcp").toString();
            assertThat(Shell.run(10, "chmod 1777 " + tcp).exit()).isZero();
            // another user makes stream nodes until the budget says no
            final Shell.Result made = Shell.run(120, AS_NOBODY + "bash -c 'for i in $(seq 200); do "
                + "mkdir -p \"" + tcp + "/expr=greater $i/stream\" || { echo stopped at $i; break; }; done'");
            assertThat(made.err()).contains("Cannot allocate memory");
            final int stoppedAt = Integer.parseInt(made.out().replaceAll("[^0-9]", ""));
            assertThat(stoppedAt).as(made.out()).isBetween(4, 20);
            assertThat(mount.stat("memory_used")).isLessThanOrEqualTo(mount.stat("memory_budget")).isGreaterThan(7L << 20);

            // renaming a node into a stream node is refused the same way, and changes nothing
            assertThat(Shell.run(10, "mkdir " + tcp + "/plain").exit()).isZero();
            final String before = Files.readString(mount.path(".graph"));
            final Shell.Result renamed = Shell.run(10, "mv " + tcp + "/plain " + tcp + "/stream");
            assertThat(renamed.err()).contains("Cannot allocate memory");
            assertThat(Files.readString(mount.path(".graph"))).isEqualTo(before);

            // every node made still streams, and so does the rest of the tree
            for (int i = 1; i < stoppedAt; i++)
            {
                final Shell.Result read = Shell.run(30, "head -c 1000 '" + tcp + "/expr=greater " + i + "/stream/all' | wc -c");
                assertThat(read.out().trim()).as("stream node " + i + ": " + read.err()).isEqualTo("1000");
            }
            assertThat(Shell.run(30, "head -c 100000 " + mount.dir + "/all | wc -c").out().trim()).isEqualTo("100000");

            // rmdir gives the budget back, and a new stream node can be made again
            final long used = mount.stat("memory_used");
            Files.writeString(mount.path(".ctl"), "pause\n"); // no new flow classes while rm -r walks the node
            final Shell.Result removed = Shell.run(30, "rm -r '" + tcp + "/expr=greater 1/stream'");
            assertThat(removed.exit()).as(removed.err()).isZero();
            Files.writeString(mount.path(".ctl"), "start\n");
            assertThat(mount.stat("memory_used")).isLessThan(used - (7L << 20));
            final Shell.Result again = Shell.run(10, "mkdir '" + tcp + "/expr=greater 1/stream'");
            assertThat(again.exit()).as(again.err()).isZero();
            assertThat(Shell.run(30, "head -c 1000 '" + tcp + "/expr=greater 1/stream/all' | wc -c").out().trim())
                .isEqualTo("1000");
            assertThat(mount.server.isAlive()).isTrue();
        }
    }
}
