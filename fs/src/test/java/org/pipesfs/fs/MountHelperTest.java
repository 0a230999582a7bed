package org.pipesfs.fs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.fs.os.MountPoints;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mount -t fuse.pipesfs} and an fstab line, through the real mount(8) and mount.fuse,
 * which run {@code pipesfs} from the standard PATH: the test puts a {@code pipesfs} that runs
 * this build in {@code /usr/local/bin} (moving any other aside) and takes it away after.
 */
class MountHelperTest
{
    private static final Path HTTP = Path.of("../../shared/captures/http.pcap").toAbsolutePath().normalize();
    private static final Path ON_PATH = Path.of("/usr/local/bin/pipesfs");
    private static final Path ASIDE = Path.of("/usr/local/bin/pipesfs.aside-by-test");

    @BeforeEach
    void putThisBuildOnMountsPath() throws Exception
    {
        if (Files.exists(ON_PATH, java.nio.file.LinkOption.NOFOLLOW_LINKS))
        {
            Files.move(ON_PATH, ASIDE, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(ON_PATH, "#!/bin/sh\nexec " + Shell.pipesfsQuoted() + " \"$@\"\n");
        assertThat(ON_PATH.toFile().setExecutable(true, false)).isTrue();
    }

    @AfterEach
    void takeItAway() throws Exception
    {
        Files.deleteIfExists(ON_PATH);
        if (Files.exists(ASIDE, java.nio.file.LinkOption.NOFOLLOW_LINKS))
        {
            Files.move(ASIDE, ON_PATH);
        }
    }

    @Test
    void mountTypeFusePipesfsWithOptionsMountsServesAndUmountEndsIt(@TempDir final Path dir) throws Exception
    {
        final Path mnt = Files.createDirectory(dir.resolve("pipes"));
        try
        {
            final Shell.Result mounted = Shell.run(60, "mount -t fuse.pipesfs synthetic " + mnt + " -o policy=lossy,bare,allow_other,nofail");
            assertThat(mounted.exit()).as(mounted.out() + mounted.err()).isZero();
            assertThat(Shell.run(10, "findmnt -n -o FSTYPE " + mnt).out().trim()).isEqualTo("fuse.pipesfs");
            assertThat(Shell.run(10, "findmnt -n -t fuse.pipesfs -o TARGET").out()).contains(mnt.toString());
            assertThat(Files.readString(mnt.resolve(".stats"))).contains("policy lossy\n").contains("source synthetic:seed=1\n");
            assertThat(Shell.run(10, "ls " + mnt).out().split("\n")).containsExactlyInAnyOrder("all", "all.pcap");
            assertThat(Shell.run(10, "findmnt -n -o OPTIONS " + mnt).out()).contains("allow_other");
            assertThat(Shell.run(30, "head -c 100000 " + mnt + "/all | wc -c").out().trim()).isEqualTo("100000");
            assertUmountEndsServer(mnt);
        }
        finally
        {
            Shell.run(10, "umount -l " + mnt + " 2>/dev/null");
        }
    }

    @Test
    void anFstabLineMountsWithMountDashT(@TempDir final Path dir) throws Exception
    {
        final Path mnt = Files.createDirectory(dir.resolve("pipes"));
        final Path fstab = dir.resolve("fstab");
        Files.writeString(fstab, "# a pipesfs line as /etc/fstab would hold it\n"
            + "pcap:" + HTTP + " " + mnt + " fuse.pipesfs defaults,noauto,paused,policy=lossless 0 0\n");
        try
        {
            final Shell.Result mounted = Shell.run(60, "mount -T " + fstab + " " + mnt);
            assertThat(mounted.exit()).as(mounted.out() + mounted.err()).isZero();
            assertThat(Files.readString(mnt.resolve(".stats"))).contains("state paused\n").contains("policy lossless\n");
            final Shell.Result read = Shell.run(60, "cat " + mnt + "/all.pcap > " + dir.resolve("out.pcap") + " & "
                + "while [ \"$(awk '$1 == \"readers\" {print $2}' " + mnt + "/.stats)\" != 1 ]; do sleep 0.05; done; "
                + "echo start > " + mnt + "/.ctl; wait");
            assertThat(read.exit()).as(read.err()).isZero();
            assertThat(CaptureFrames.assertSameInOrder("fstab mount of http.pcap", dir.resolve("out.pcap"), HTTP)).isEqualTo(43);
            assertUmountEndsServer(mnt);
        }
        finally
        {
            Shell.run(10, "umount -l " + mnt + " 2>/dev/null");
        }
    }

    private static void assertUmountEndsServer(final Path mnt) throws Exception
    {
        final String server = "pgrep -f 'PipesFsCommand mount .*" + mnt + "$'";
        assertThat(Shell.run(10, server).out()).as("a server serves the mount").isNotBlank();
        final Shell.Result umount = Shell.run(30, "umount " + mnt);
        assertThat(umount.exit()).as(umount.err()).isZero();
        assertThat(MountPoints.isFuseMount(mnt)).isFalse();
        assertThat(Shell.run(30, "for i in $(seq 200); do " + server + " >/dev/null || exit 0; sleep 0.05; done; exit 1").exit())
            .as("the server exits after umount").isZero();
    }
}
