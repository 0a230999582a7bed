package org.pipesfs.fs;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** poll(2) and select(2) on pipe files through a real mount. */
class PollTest
{
    @Test
    void pollReportsReadinessAndWakesWhenDataArrives() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "synthetic:rate=100"))
        {
            final Shell.Result result = Shell.run(30, "python3 -c \"import os, select, time\n"
                + "fd = os.open('" + mount.path("ip/all") + "', os.O_RDONLY | os.O_NONBLOCK)\n"
                + "p = select.poll(); p.register(fd, select.POLLIN)\n"
                + "print('idle', p.poll(300))\n"
                + "ctl = os.open('" + mount.path(".ctl") + "', os.O_WRONLY); os.write(ctl, b'start\\\\n'); os.close(ctl)\n"
                + "t = time.time(); events = p.poll(5000)\n"
                + "print('woke', [(f == fd, e & select.POLLIN != 0) for f, e in events], time.time() - t < 4)\n"
                + "print('read', len(os.read(fd, 65536)) > 0)\n"
                + "r, w, x = select.select([fd], [], [], 5)\n"
                + "print('select', r == [fd])\n"
                + "pcap = os.open('" + mount.path("ip/all.pcap") + "', os.O_RDONLY | os.O_NONBLOCK)\n"
                + "print('pcap header ready', select.select([pcap], [], [], 0)[0] == [pcap])\n"
                + "os.close(fd); os.close(pcap)\"");
            assertThat(result.out()).as(result.err()).isEqualTo(
                "idle []\nwoke [(True, True)] True\nread True\nselect True\npcap header ready True\n");
            mount.awaitReaders("ip", 0);
        }
    }
}
