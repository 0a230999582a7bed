package org.pipesfs.nic.synthetic;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FixedSizeFramesTest
{
    @Test
    void everyFrameHasTheSizeAValidIpChecksumAndTheNextIdAndFlow()
    {
        final FixedSizeFrames frames = new FixedSizeFrames(64);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[128]);
        final Set<Integer> ports = new HashSet<>();
        for (int n = 0; n < 70_000; n++) // past the 16-bit id's wrap
        {
            assertThat(frames.next(b, 8)).isEqualTo(64);
            int sum = 0;
            for (int i = 8 + 14; i < 8 + 34; i += 2)
            {
                sum += b.getShort(i, ByteOrder.BIG_ENDIAN) & 0xffff;
            }
            sum = (sum & 0xffff) + (sum >>> 16);
            sum = (sum & 0xffff) + (sum >>> 16);
            assertThat(sum).as("frame %d's header sums to all ones", n).isEqualTo(0xffff);
            assertThat(b.getShort(8 + 18, ByteOrder.BIG_ENDIAN) & 0xffff).isEqualTo(n & 0xffff);
            assertThat(b.getShort(8 + 16, ByteOrder.BIG_ENDIAN) & 0xffff).as("IP total length").isEqualTo(50);
            assertThat(b.getShort(8 + 38, ByteOrder.BIG_ENDIAN) & 0xffff).as("UDP length").isEqualTo(30);
            ports.add(b.getShort(8 + 34, ByteOrder.BIG_ENDIAN) & 0xffff);
        }
        assertThat(ports).hasSize(1024);
    }

    @Test
    void sizesOutsideEthernetsAreRefused()
    {
        assertThatThrownBy(() -> SyntheticSpec.parse("synthetic:size=59")).hasMessageContaining("60 to 1514");
        assertThatThrownBy(() -> SyntheticSpec.parse("synthetic:size=1515")).hasMessageContaining("60 to 1514");
        assertThat(SyntheticSpec.parse("synthetic:size=64:count=5")).isEqualTo(new SyntheticSpec(5, 0, 1, 64));
    }
}
