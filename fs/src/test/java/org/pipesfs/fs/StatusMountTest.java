package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pipesfs status}: the source, the busiest nodes and the slowest reader of a real mount. */
class StatusMountTest
{
    private static final Path HTTP = Path.of("../../shared/captures/http.pcap").toAbsolutePath().normalize();

    @Test
    void statusShowsSourceNodesAndTheSlowestReader(@TempDir final Path notMounted) throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + HTTP))
        {
            final String status = String.join(" ", Shell.pipesfs("status", mount.path("").toString()));
            final Process cat = new ProcessBuilder("cat", mount.path("ip/tcp/all.pcap").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                mount.awaitReaders("ip/tcp", 1);
                final Shell.Result paused = Shell.run(60, status);
                assertThat(paused.exit()).as(paused.err()).isZero();
                assertThat(paused.out()).contains("source   pcap:" + HTTP + ", paused, lossless\n")
                    .containsPattern("\n  /ip/tcp +0 +0 B +0 +1 +0\n")
                    .contains("readers  1\n")
                    .contains("slowest  pid " + cat.pid() + " (cat) reading /ip/tcp/all.pcap, 0 elements behind\n");
                Files.writeString(mount.path(".ctl"), "start\n");
                assertThat(cat.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            finally
            {
                Shell.kill(cat);
            }
            final Shell.Result ended = Shell.run(60, status);
            assertThat(ended.out()).contains(", ended, lossless\n").contains("         43 packets, 24.5 KiB;").contains("readers  0\n")
                .doesNotContain("slowest");
        }
        final Shell.Result refused = Shell.run(60, String.join(" ", Shell.pipesfs("status", notMounted.toString())));
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains(notMounted + " is not a PipesFS mount");
    }
}
