package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class SynthCommandTest
{
    @TempDir
    Path dir;

    @Test
    void writesTheRequestedFramesDeterministicallyAsAPcapTcpdumpReads() throws Exception
    {
        final Path a = dir.resolve("a.pcap");
        final Path b = dir.resolve("b.pcap");
        assertThat(PipesFsCommand.execute("synth", "--count", "5000", "--seed", "9", a.toString())).isZero();
        assertThat(PipesFsCommand.execute("synth", "--count", "5000", "--seed", "9", b.toString())).isZero();
        assertThat(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b))).as("same seed, same file").isTrue();
        assertThat(Shell.run(30, "tcpdump -nn -r " + a + " 2>/dev/null | wc -l").out().trim()).isEqualTo("5000");
        final Path sized = dir.resolve("sized.pcap");
        assertThat(PipesFsCommand.execute("synth", "--size", "1M", sized.toString())).isZero();
        assertThat(Files.size(sized)).isBetween(1L << 20, (1L << 20) + 2000);
    }
}
