package org.pipesfs.nic.pcap;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Mutates real captures (bit flips, truncation, length fields set to extreme values) and reads
 * them to the end. Only {@link CaptureFormatException} may escape, and every record the reader
 * hands out must lie inside its buffer.
 */
class CaptureReaderFuzzTest
{
    static final String[] SEEDS = {"http.pcap", "dns_icmp.pcap", "be.pcap", "test_ethernet.pcap",
        "le-test001.pcapng", "be-test010.pcapng", "le-test100.pcapng", "truncated_dns.pcap"};
    static final int[] EXTREMES = {0, 1, 3, 4, 7, 8, 12, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0, 262_145, 65_536};

    @TempDir
    Path dir;

    @Test
    void twentyThousandMutatedCapturesFailOnlyWithTheClearError() throws Exception
    {
        fuzz(20_000, 1);
    }

    @Test
    @Tag("nightly")
    void aMillionMutatedCaptures() throws Exception
    {
        fuzz(1_000_000, 2);
    }

    private void fuzz(final int cases, final long seed) throws Exception
    {
        final byte[][] originals = new byte[SEEDS.length][];
        for (int i = 0; i < SEEDS.length; i++)
        {
            originals[i] = Files.readAllBytes(CaptureReaderTest.CAPTURES.resolve(SEEDS[i]));
        }
        final SplittableRandom random = new SplittableRandom(seed);
        final Path file = dir.resolve("mutant");
        int clearErrors = 0;
        long records = 0;
        for (int c = 0; c < cases; c++)
        {
            final byte[] original = originals[random.nextInt(originals.length)];
            final byte[] mutant = mutate(original, random);
            Files.write(file, mutant);
            try (CaptureReader reader = CaptureReader.open(file))
            {
                int guard = 0;
                while (reader.next())
                {
                    assertThat(reader.capturedLength()).isBetween(0, CaptureReader.MAX_RECORD);
                    assertThat((long)reader.offset() + reader.capturedLength()).isLessThanOrEqualTo(reader.buffer().capacity());
                    reader.buffer().getByte(reader.offset() + Math.max(0, reader.capturedLength() - 1));
                    records++;
                    if (++guard > 100_000)
                    {
                        fail("reader does not advance on case " + c);
                    }
                }
            }
            catch (final CaptureFormatException expected)
            {
                assertThat(expected.getMessage()).isNotBlank().doesNotContain("\n");
                clearErrors++;
            }
            catch (final Throwable t)
            {
                Files.write(dir.resolve("failing-case"), mutant);
                throw new AssertionError("case " + c + " threw " + t, t);
            }
        }
        assertThat(clearErrors).as("some mutants are rejected").isPositive();
        assertThat(records).as("some mutants still yield records").isPositive();
    }

    private static byte[] mutate(final byte[] original, final SplittableRandom random)
    {
        byte[] b = original.clone();
        final int kind = random.nextInt(4);
        if (kind == 0 || kind == 3)
        {
            for (int flips = 1 + random.nextInt(8); flips > 0; flips--)
            {
                final int at = random.nextInt(b.length);
                b[at] ^= (byte)(1 << random.nextInt(8));
            }
        }
        if (kind == 1 || kind == 3)
        {
            b = java.util.Arrays.copyOf(b, random.nextInt(b.length + 1));
        }
        if (kind == 2 && b.length >= 4)
        {
            // Length fields sit at 4-byte aligned offsets in both formats: hit one of them.
            final int at = random.nextInt(b.length / 4) * 4;
            final int value = EXTREMES[random.nextInt(EXTREMES.length)];
            final boolean little = random.nextBoolean();
            for (int i = 0; i < 4; i++)
            {
                b[at + i] = (byte)(value >>> (little ? 8 * i : 24 - 8 * i));
            }
        }
        return b;
    }
}
