package org.pipesfs.fs;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** chmod/chown kept and enforced under -o allow_other; seek and non-blocking reads through real syscalls. */
class PermissionsAndErrnoTest
{
    private static final String AS_NOBODY = "setpriv --reuid=nobody --regid=nogroup --clear-groups ";

    @Test
    void modesAndOwnersAreKeptAndEnforcedForOtherUsers() throws Exception
    {
        try (FuseMount mount = FuseMount.start("-o", "allow_other", "--source", "synthetic:rate=1000"))
        {
            final String ip = mount.path("ip").toString();
            assertThat(Shell.run(10, "stat -c '%a %U' " + ip + " " + ip + "/all " + ip + "/.stats").out())
                .isEqualTo("755 root\n600 root\n444 root\n");
            assertThat(Shell.run(10, AS_NOBODY + "head -c 100 " + ip + "/all").err())
                .as("packet data is private by default").contains("Permission denied");

            assertThat(Shell.run(10, "chmod 0700 " + ip).exit()).isZero();
            assertThat(Shell.run(10, AS_NOBODY + "ls " + ip).err()).contains("Permission denied");

            assertThat(Shell.run(10, "chmod 0755 " + ip + " && chmod 0644 " + ip + "/all").exit()).isZero();
            final Shell.Result read = Shell.run(30, AS_NOBODY + "head -c 100 " + ip + "/all | wc -c");
            assertThat(read.out().trim()).as(read.err()).isEqualTo("100");

            assertThat(Shell.run(10, "chown nobody " + ip + "/all.pcap && chmod 0600 " + ip + "/all.pcap").exit()).isZero();
            assertThat(Shell.run(10, "stat -c '%a %U' " + ip + "/all.pcap").out()).isEqualTo("600 nobody\n");
            assertThat(Shell.run(30, AS_NOBODY + "head -c 24 " + ip + "/all.pcap | wc -c").out().trim()).isEqualTo("24");
        }
    }

    @Test
    void seekingGivesEspipeAndAnEmptyNonBlockingStreamGivesEagain() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused"))
        {
            final Shell.Result result = Shell.run(10, "python3 -c \"import os, errno\n"
                + "fd = os.open('" + mount.path("all") + "', os.O_RDONLY | os.O_NONBLOCK)\n"
                + "try:\n    os.lseek(fd, 10, os.SEEK_SET)\nexcept OSError as e:\n    print(errno.errorcode[e.errno])\n"
                + "try:\n    os.read(fd, 4096)\nexcept OSError as e:\n    print(errno.errorcode[e.errno])\n"
                + "os.close(fd)\"");
            assertThat(result.out()).as(result.err()).isEqualTo("ESPIPE\nEAGAIN\n");
        }
    }
}
