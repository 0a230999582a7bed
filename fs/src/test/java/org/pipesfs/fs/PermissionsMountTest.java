package org.pipesfs.fs;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** chmod and chown kept, and enforced by the kernel for other users under -o allow_other. */
class PermissionsMountTest
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
}
