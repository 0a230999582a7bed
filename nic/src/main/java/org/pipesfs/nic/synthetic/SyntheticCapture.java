package org.pipesfs.nic.synthetic;

import org.agrona.concurrent.UnsafeBuffer;
import org.pipesfs.nic.pcap.PcapFileWriter;
import org.pipesfs.nic.pcap.PcapFormat;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes the synthetic source's traffic to a pcap file. Timestamps advance 10 µs per frame
 * from a fixed epoch, so the whole file, not only its frames, is determined by the seed and
 * the mix: the same arguments always give the same bytes. Single-threaded, like the generator.
 */
public final class SyntheticCapture
{
    /** 2026-01-01T00:00:00Z, the first frame's timestamp. */
    public static final long EPOCH_NS = 1_767_225_600_000_000_000L;
    public static final long FRAME_SPACING_NS = 10_000L;

    /** What a write produced. */
    public record Written(long frames, long bytes)
    {
    }

    private SyntheticCapture()
    {
    }

    /** Writes up to {@code frames} frames, stopping before the file would pass {@code maxBytes}. */
    public static Written write(final Path file, final long seed, final TrafficMix mix, final long frames, final long maxBytes)
        throws IOException
    {
        final SyntheticGenerator generator = new SyntheticGenerator(seed, mix);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[SyntheticGenerator.MAX_FRAME]);
        long bytes = PcapFormat.GLOBAL_HEADER_LENGTH;
        long written = 0;
        try (PcapFileWriter writer = new PcapFileWriter(file, PcapFormat.LINKTYPE_ETHERNET))
        {
            while (written < frames && bytes < maxBytes)
            {
                final int length = generator.next(frame, 0);
                writer.write(frame, 0, length, EPOCH_NS + written * FRAME_SPACING_NS);
                bytes += PcapFormat.RECORD_HEADER_LENGTH + length;
                written++;
            }
        }
        return new Written(written, bytes);
    }
}
