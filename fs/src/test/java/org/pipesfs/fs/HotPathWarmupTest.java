package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.filters.Captures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mount's warm-up runs on its own buffers, with a producer and a reader thread: it must end
 * by itself under either policy (its lossless producer waits for its reader, which never stops
 * reading), give way to real traffic, and leave no temp file behind. Its copy of the mount's
 * source must never end, and must never capture from a live interface.
 */
class HotPathWarmupTest
{
    @Test
    void endsByItselfUnderEitherPolicyAndLeavesNoTempFile() throws Exception
    {
        final Set<Path> before = warmupFiles();
        for (final BufferPolicy policy : BufferPolicy.values())
        {
            for (final boolean bare : new boolean[] {false, true})
            {
                final Thread thread = HotPathWarmup.start(policy, bare, () -> false, null, null);
                assertThat(thread).isNotNull();
                thread.join(60_000);
                assertThat(thread.isAlive()).as("warm-up of %s, bare %s, ended", policy, bare).isFalse();
            }
        }
        assertThat(warmupFiles()).as("temp files left by these warm-ups").isSubsetOf(before);
    }

    @Test
    void givesWayOnceTrafficStarts() throws Exception
    {
        final Set<Path> before = warmupFiles();
        final AtomicInteger asked = new AtomicInteger();
        final Thread thread = HotPathWarmup.start(BufferPolicy.LOSSLESS, false, () -> asked.incrementAndGet() > 3, null, null);
        thread.join(60_000);
        assertThat(thread.isAlive()).isFalse();
        assertThat(asked.get()).as("stopped at the first batch after traffic started").isEqualTo(4);
        assertThat(warmupFiles()).as("temp files left by this warm-up").isSubsetOf(before);
    }

    @Test
    void writesItsCaptureOnlyOnceItHasNoName() throws Exception
    {
        // A mount killed while its warm-up writes must leave no file behind: the directory
        // sees the capture created and removed, and not one write in between (writes to the
        // nameless file may still be reported after the removal).
        final Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        final List<String> seen = new ArrayList<>();
        try (WatchService watch = tmp.getFileSystem().newWatchService())
        {
            tmp.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
            final AtomicInteger asked = new AtomicInteger();
            final Thread thread = HotPathWarmup.start(BufferPolicy.LOSSLESS, true, () -> asked.incrementAndGet() > 100, null, null);
            thread.join(60_000);
            assertThat(thread.isAlive()).isFalse();
            assertThat(asked.get()).as("the warm-up replayed its capture").isEqualTo(101);
            for (WatchKey key = watch.poll(1, TimeUnit.SECONDS); key != null; key = watch.poll(200, TimeUnit.MILLISECONDS))
            {
                for (final WatchEvent<?> event : key.pollEvents())
                {
                    if (event.context() instanceof Path name && name.toString().startsWith("pipesfs-warmup"))
                    {
                        seen.add(event.kind().name());
                    }
                }
                key.reset();
            }
        }
        assertThat(seen).as("what the directory saw").contains("ENTRY_DELETE");
        assertThat(seen.subList(0, seen.indexOf("ENTRY_DELETE"))).as("before the name went").containsExactly("ENTRY_CREATE");
    }

    @Test
    void mirrorsTheMountsSourceWithoutEnding()
    {
        final Path capture = Captures.of("http.pcap");
        final org.pipesfs.buffers.DataBuffer data = new org.pipesfs.buffers.DataBuffer(1 << 20, BufferPolicy.LOSSY);
        final AtomicInteger frames = new AtomicInteger();
        try (org.pipesfs.nic.FrameSource mirror = HotPathWarmup.mirrorOf("pcap:" + capture + ":speed=1x:loop=1", null))
        {
            assertThat(mirror).isNotNull();
            for (int i = 0; i < 10; i++)
            {
                assertThat(mirror.poll(data, (position, sequence, length) -> frames.incrementAndGet() > 0, 256))
                    .as("poll %d of a capture of 43 records", i).isEqualTo(256);
            }
        }
        assertThat(frames.get()).isEqualTo(2560);
        assertThat(HotPathWarmup.mirrorOf("live:lo", null)).isNull();
        assertThat(HotPathWarmup.mirrorOf(null, null)).isNull();
    }

    /**
     * The warm-up files in the temp directory now. A test compares them with those there before
     * it: a mount killed while it wrote its own (in another test, or before this run) leaves one
     * that is not this warm-up's to clean.
     */
    private static Set<Path> warmupFiles() throws IOException
    {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir"))))
        {
            return files.filter(f -> f.getFileName().toString().startsWith("pipesfs-warmup")).collect(Collectors.toSet());
        }
    }
}
