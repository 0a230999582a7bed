package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mount's warm-up runs on one thread against its own buffers: under the lossless policy its
 * producer must never wait for its own readers, it must end by itself, give way to real traffic,
 * and leave no temp file behind.
 */
class HotPathWarmupTest
{
    @Test
    void endsByItselfUnderEitherPolicyAndLeavesNoTempFile() throws Exception
    {
        for (final BufferPolicy policy : BufferPolicy.values())
        {
            for (final boolean bare : new boolean[] {false, true})
            {
                final Thread thread = HotPathWarmup.start(policy, bare, () -> false);
                assertThat(thread).isNotNull();
                thread.join(60_000);
                assertThat(thread.isAlive()).as("warm-up of %s, bare %s, ended", policy, bare).isFalse();
            }
        }
        assertThat(warmupFiles()).isZero();
    }

    @Test
    void givesWayOnceTrafficStarts() throws Exception
    {
        final AtomicInteger asked = new AtomicInteger();
        final Thread thread = HotPathWarmup.start(BufferPolicy.LOSSLESS, false, () -> asked.incrementAndGet() > 3);
        thread.join(60_000);
        assertThat(thread.isAlive()).isFalse();
        assertThat(asked.get()).as("stopped at the first batch after traffic started").isEqualTo(4);
        assertThat(warmupFiles()).isZero();
    }

    private static long warmupFiles() throws IOException
    {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir"))))
        {
            return files.filter(f -> f.getFileName().toString().startsWith("pipesfs-warmup")).count();
        }
    }
}
