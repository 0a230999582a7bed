package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.pipesfs.fs.os.MountPoints;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edges a user of other filesystems meets first: directories made by users as any
 * directory is (owner, mode less umask, the sticky bit), names past NAME_MAX, loops only where
 * data could circle, typos refused with the reason in {@code .log}, and a clear word about a
 * stale mount.
 */
class PosixEdgesMountTest
{
    private static final String AS_NOBODY = "setpriv --reuid=nobody --regid=nogroup --clear-groups ";
    private static final String AS_DAEMON = "setpriv --reuid=daemon --regid=daemon --clear-groups ";

    @Test
    void nodesMadeByAUserAreTheirsWithTheirModeAndTheStickyBitProtectsThem() throws Exception
    {
        try (FuseMount mount = FuseMount.start("-o", "allow_other", "--bare", "--paused"))
        {
            final String m = mount.dir.toString();
            assertThat(Shell.run(10, "chmod 1777 " + m).exit()).isZero();
            final Shell.Result made = Shell.run(10, AS_NOBODY + "bash -c 'umask 027; mkdir " + m + "/mine && mkdir -m 0705 "
                + m + "/other && umask 077 && mkdir " + m + "/private'");
            assertThat(made.exit()).as(made.err()).isZero();
            assertThat(Shell.run(10, "stat -c '%a %U %G' " + m + "/mine " + m + "/mine/all " + m + "/mine/all.pcap "
                + m + "/mine/.stats " + m + "/other " + m + "/private").out())
                .isEqualTo("750 nobody nogroup\n600 nobody nogroup\n600 nobody nogroup\n444 nobody nogroup\n"
                    + "705 nobody nogroup\n700 nobody nogroup\n");

            // another user may not remove, rename or chmod a node of nobody's in a sticky directory
            final Shell.Result rmdir = Shell.run(10, AS_DAEMON + "rmdir " + m + "/mine");
            assertThat(rmdir.err()).contains("Operation not permitted");
            final Shell.Result mv = Shell.run(10, AS_DAEMON + "mv " + m + "/mine " + m + "/stolen");
            assertThat(mv.err()).contains("Operation not permitted");
            final Shell.Result chmod = Shell.run(10, AS_DAEMON + "chmod 0777 " + m + "/mine");
            assertThat(chmod.err()).contains("Operation not permitted");
            assertThat(Shell.run(10, AS_DAEMON + "ls " + m + "/mine").err()).contains("Permission denied");
            assertThat(Shell.run(10, AS_NOBODY + "timeout 2 cat " + m + "/.log").err())
                .as(".log is the mounting user's").contains("Permission denied");
            assertThat(Shell.run(10, "stat -c '%a %U' " + m + "/mine").out()).isEqualTo("750 nobody\n");

            // its owner may
            final Shell.Result own = Shell.run(10, AS_NOBODY + "bash -c 'chmod 0755 " + m + "/mine && mv " + m + "/mine "
                + m + "/ours && rmdir " + m + "/ours " + m + "/other " + m + "/private'");
            assertThat(own.exit()).as(own.err()).isZero();
            assertThat(Files.readString(mount.path(".graph"))).isEqualTo("/\n");
        }
    }

    @Test
    void namesLongerThanADirectoryEntryAreENAMETOOLONGEverywhere() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            final String m = mount.dir.toString();
            final String longName = m + "/" + "n".repeat(256);
            for (final String command : new String[] {"stat", "rmdir", "chmod 0700", "chown nobody", "mkdir", "cat"})
            {
                final Shell.Result run = Shell.run(10, command + " " + longName);
                assertThat(run.err()).as(command).contains("File name too long");
            }
            assertThat(Shell.run(10, "mkdir " + m + "/a && mv " + m + "/a " + longName).err()).contains("File name too long");
            assertThat(Shell.run(10, "mkdir " + m + "/" + "n".repeat(255)).exit()).as("255 bytes is a name").isZero();
        }
    }

    @Test
    void linksLoopOnlyWhereDataCouldCircle() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            final String m = mount.dir.toString();
            // lab/clean is a user node: it takes nothing from lab, so feeding lab from it is no loop
            final Shell.Result ok = Shell.run(10, "mkdir -p " + m + "/lab/clean && ln -s " + m + "/lab/clean " + m + "/lab/back");
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(Files.readString(mount.path(".graph"))).contains("/lab/back -> " + m + "/lab/clean");
            // lab/tcp filters what lab carries: feeding lab from it would circle
            final Shell.Result loop = Shell.run(10, "mkdir " + m + "/lab/tcp && ln -s " + m + "/lab/tcp " + m + "/lab/again");
            assertThat(loop.err()).contains("Too many levels of symbolic links");
            final Shell.Result self = Shell.run(10, "ln -s " + m + "/lab " + m + "/lab/self");
            assertThat(self.err()).contains("Too many levels of symbolic links");
        }
    }

    @Test
    void typosAreRefusedWithTheirReasonInDotLogWhichStreamsLikeDmesg() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            final String m = mount.dir.toString();
            assertThat(Shell.run(10, "stat -c '%a %U %s' " + m + "/.log").out()).isEqualTo("400 root 0\n");
            final Process follow = new ProcessBuilder("cat", mount.path(".log").toString())
                .redirectErrorStream(true).redirectOutput(mount.dir.resolveSibling(mount.dir.getFileName() + ".follow").toFile())
                .start();
            final java.nio.file.Path followed = mount.dir.resolveSibling(mount.dir.getFileName() + ".follow");
            try
            {
                for (final String typo : new String[] {"prot=80", "tcp ", " ip", "HTTP", "Get", "=80", "port=http2"})
                {
                    final Shell.Result run = Shell.run(10, "mkdir '" + m + "/" + typo + "'");
                    assertThat(run.err()).as("mkdir '" + typo + "'").contains("Invalid argument");
                }
                final Shell.Result plain = Shell.run(10, "mkdir " + m + "/scrub " + m + "/Lab-2 && echo made");
                assertThat(plain.out()).as(plain.err()).isEqualTo("made\n");
                assertThat(Files.readString(mount.path("scrub/.stats"))).contains("filter user node\n");

                final long deadline = System.currentTimeMillis() + 10_000;
                while (!Files.readString(followed).contains("port=http2") && System.currentTimeMillis() < deadline)
                {
                    Thread.sleep(20);
                }
                final String log = Files.readString(followed);
                assertThat(log).as("a reader of .log sees each refusal as it happens, with its reason")
                    .contains("'prot=80': no filter is called 'prot'")
                    .contains("'tcp ': leading or trailing white space")
                    .contains("'HTTP': filter names are lower case, as in 'http'")
                    .contains("'Get': filter names are lower case, as in 'get'")
                    .contains("port=http2: 'http2' is not a port number");
                assertThat(follow.isAlive()).as("it keeps following, like dmesg -w").isTrue();
            }
            finally
            {
                Shell.kill(follow);
                Files.deleteIfExists(followed);
            }
            // a new reader starts with the last lines, then waits for more
            final Shell.Result recent = Shell.run(10, "timeout 1 cat " + m + "/.log; echo exit=$?");
            assertThat(recent.out()).contains("no filter is called 'prot'").endsWith("exit=124\n");
            assertThat(Shell.run(10, "echo x > " + m + "/.log").err()).contains("Permission denied");
        }
    }

    @Test
    void mountingOverAStaleMountSaysWhatItIsAndHowToClearIt() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--bare", "--paused"))
        {
            Shell.signal(mount.server.pid(), "KILL");
            assertThat(mount.server.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(MountPoints.isFuseMount(mount.dir)).as("the kernel keeps the dead mount").isTrue();
            final Process again = new ProcessBuilder(Shell.pipesfs("mount", "--bare", mount.dir.toString()))
                .redirectErrorStream(true).start();
            assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
            final String said = new String(again.getInputStream().readAllBytes());
            assertThat(again.exitValue()).isNotZero();
            assertThat(said).contains(mount.dir + " is a stale mount").contains("fusermount -u " + mount.dir)
                .doesNotContain("not a directory");
        }
    }
}
