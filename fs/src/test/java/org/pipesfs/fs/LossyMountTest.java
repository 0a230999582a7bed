package org.pipesfs.fs;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pipesfs.nic.pcap.PcapFileWriter;

import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lossy policy: a reader that falls a whole buffer behind is lapped, skips ahead and
 * has the loss counted, and never reads torn or overwritten bytes. Here through the mount,
 * where reads of {@code all} are answered from the data buffer itself while pinned.
 */
class LossyMountTest
{
    private static final int FRAMES = 200_000;
    private static final int FRAME_LENGTH = 200;
    private static final int NUMBER_OFFSET = 14;

    @TempDir
    Path dir;

    /** Frame n (all of them different, in a capture replayed once): an Ethernet header of a local ethertype, n, then bytes that depend on n. */
    private static void frame(final UnsafeBuffer frame, final int n)
    {
        for (int k = 0; k < 12; k++)
        {
            frame.putByte(k, (byte)(k + 1));
        }
        frame.putShort(12, (short)0xb588); // 0x88b5, local experimental, in network order
        frame.putInt(NUMBER_OFFSET, n);
        for (int k = NUMBER_OFFSET + 4; k < FRAME_LENGTH; k++)
        {
            frame.putByte(k, (byte)(n * 31 + k));
        }
    }

    @Test
    void aLappedReaderOfAllReadsWholeFramesInOrderAndEveryFrameIsReadOrCountedDropped() throws Exception
    {
        final Path capture = dir.resolve("numbered.pcap");
        try (PcapFileWriter writer = new PcapFileWriter(capture, 1))
        {
            final UnsafeBuffer bytes = new UnsafeBuffer(new byte[FRAME_LENGTH]);
            for (int n = 0; n < FRAMES; n++)
            {
                frame(bytes, n);
                writer.write(bytes, 0, FRAME_LENGTH, 1_700_000_000_000_000_000L + n * 1000L);
            }
        }
        try (FuseMount mount = FuseMount.start("--paused", "--policy", "lossy", "--buffer", "1M",
            "--source", "pcap:" + capture + ":speed=max"))
        {
            long read = 0;
            int last = -1;
            try (FileInputStream all = new FileInputStream(mount.path("all").toFile()))
            {
                mount.awaitReaders("", 1);
                Files.writeString(mount.path(".ctl"), "start\n");
                final byte[] buffer = new byte[64 << 10];
                final UnsafeBuffer view = new UnsafeBuffer(buffer);
                int n;
                while ((n = all.read(buffer)) > 0)
                {
                    assertThat(n % FRAME_LENGTH).as("a read of whole frames, %d B", n).isZero();
                    for (int at = 0; at < n; at += FRAME_LENGTH)
                    {
                        final int number = intactFrameNumber(view, at);
                        assertThat(number).as("frame after %d", last).isGreaterThan(last);
                        last = number;
                    }
                    read += n / FRAME_LENGTH;
                    Thread.sleep(1); // slower than the replay: lapped again and again
                }
            }
            assertThat(mount.stat("packets")).isEqualTo((long)FRAMES);
            assertThat(mount.stat("dropped")).as("frames lost to lapping").isPositive();
            assertThat(read).as("frames read").isPositive();
            assertThat(read + mount.stat("dropped")).as("frames read plus dropped").isEqualTo((long)FRAMES);
        }
    }

    /** The number of the frame at {@code at}, once every byte of it is checked. */
    private static int intactFrameNumber(final UnsafeBuffer frame, final int at)
    {
        final int n = frame.getInt(at + NUMBER_OFFSET);
        assertThat(n).as("frame number").isBetween(0, FRAMES - 1);
        for (int k = NUMBER_OFFSET + 4; k < FRAME_LENGTH; k++)
        {
            if (frame.getByte(at + k) != (byte)(n * 31 + k))
            {
                throw new AssertionError("frame " + n + " torn at byte " + k);
            }
        }
        return n;
    }
}
