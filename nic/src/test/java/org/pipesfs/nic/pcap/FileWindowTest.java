package org.pipesfs.nic.pcap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileWindowTest
{
    @TempDir
    Path dir;

    private Path randomFile(final int length)
        throws Exception
    {
        final byte[] bytes = new byte[length];
        new SplittableRandom(7).nextBytes(bytes);
        final Path file = dir.resolve("bytes");
        Files.write(file, bytes);
        return file;
    }

    /** Walks the file as records of random lengths, then jumps about, in a mapped and in a read window. */
    @Test
    void mappedAndReadWindowsShowTheFileBytesAtEveryRange() throws Exception
    {
        final int length = 3 * FileWindow.READ_LENGTH + 12_345;
        final Path file = randomFile(length);
        final byte[] expected = Files.readAllBytes(file);
        for (final long mapLimit : new long[] {FileWindow.MAP_LIMIT, 0})
        {
            try (FileWindow window = new FileWindow(FileChannel.open(file, StandardOpenOption.READ), mapLimit))
            {
                final SplittableRandom random = new SplittableRandom(mapLimit);
                long position = 0;
                while (position < length)
                {
                    final int record = 1 + random.nextInt(3_000);
                    final int at = window.ensure(position, record);
                    if (position + record > length)
                    {
                        assertThat(at).as("a record past the end").isEqualTo(-1);
                        break;
                    }
                    assertBytes(window, at, expected, position, record);
                    position += record;
                }
                for (int i = 0; i < 2_000; i++)
                {
                    final int record = random.nextInt(FileWindow.READ_LENGTH + 1_000);
                    final long from = random.nextLong(length - record + 1);
                    assertBytes(window, window.ensure(from, record), expected, from, record);
                }
                assertThat(window.ensure(length - 10, 11)).isEqualTo(-1);
                assertThat(window.ensure(0, length < FileWindow.CAPACITY ? length : 1)).isZero();
            }
        }
    }

    private static void assertBytes(final FileWindow window, final int at, final byte[] expected, final long from, final int length)
    {
        assertThat(at).isNotNegative();
        final byte[] actual = new byte[length];
        window.buffer().getBytes(at, actual);
        for (int i = 0; i < length; i++)
        {
            if (actual[i] != expected[(int)from + i])
            {
                throw new AssertionError("byte " + (from + i) + " differs (mapLimit window at offset " + at + ")");
            }
        }
    }

    @Test
    void aReadWindowOverAFileThatShrankSaysSoInsteadOfShowingStaleBytes() throws Exception
    {
        final Path file = randomFile(4 * FileWindow.READ_LENGTH);
        try (FileWindow window = new FileWindow(FileChannel.open(file, StandardOpenOption.READ), 0))
        {
            assertThat(window.ensure(0, 100)).isZero();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
            {
                channel.truncate(FileWindow.READ_LENGTH + 50);
            }
            assertThat(window.ensure(FileWindow.READ_LENGTH, 40)).as("bytes still there").isZero();
            assertThatThrownBy(() -> window.ensure(FileWindow.READ_LENGTH + 40, 100))
                .isInstanceOf(CaptureFormatException.class)
                .hasMessageContaining("the file shrank while it was being replayed")
                .hasMessageContaining("ends at offset " + (FileWindow.READ_LENGTH + 50));
        }
    }

    @Test
    void anOversizedBlockIsAFormatErrorNotAnAllocation() throws Exception
    {
        final Path file = randomFile(1_000);
        try (FileWindow window = new FileWindow(file))
        {
            assertThatThrownBy(() -> window.ensure(0, FileWindow.CAPACITY + 1)).isInstanceOf(CaptureFormatException.class)
                .hasMessageContaining("larger than any capture record");
        }
    }
}
