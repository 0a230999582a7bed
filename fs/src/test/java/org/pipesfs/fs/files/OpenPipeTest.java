package org.pipesfs.fs.files;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexBuffer;
import org.pipesfs.nic.pcap.PcapFormat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One open pipe file, off the FUSE loop (so every read copies): whole elements, EAGAIN when
 * empty and non-blocking, the pcap header first, end-of-file at the end of the stream and on
 * unmount.
 */
class OpenPipeTest
{
    private final DataBuffer data = new DataBuffer(1 << 20, BufferPolicy.LOSSLESS);
    private final IndexBuffer index = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
    private final ByteBuffer memory = ByteBuffer.allocateDirect(1 << 16);
    private final long address = BufferUtil.address(memory);
    private final UnsafeBuffer out = new UnsafeBuffer(memory);
    private final MountState mount = new MountState();

    private void append(final String text)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
        final long position = data.append(frame, 0, frame.capacity(), frame.capacity(), 0, 1);
        index.append(position, data.sequence(position), 0, frame.capacity(), 0);
    }

    private String text(final int length)
    {
        return out.getStringWithoutLengthAscii(0, length);
    }

    @Test
    void readsReturnWholeElementsAndAnEmptyNonBlockingStreamGivesEagain()
    {
        final OpenPipe pipe = OpenPipe.raw(index.newReader(), ElementFormat.VIEW, true);
        assertThat(pipe.read(address, 4096, 0, mount)).isEqualTo(-Errno.EAGAIN);
        assertThat(pipe.isReadable()).isFalse();
        append("one|");
        append("two|");
        append("three|");
        assertThat(pipe.isReadable()).isTrue();
        assertThat(pipe.read(address, 10, 0, mount)).as("two whole elements fit in 10 bytes").isEqualTo(8);
        assertThat(text(8)).isEqualTo("one|two|");
        assertThat(pipe.read(address, 4096, 0, mount)).isEqualTo(6);
        assertThat(text(6)).isEqualTo("three|");
        pipe.close();
    }

    @Test
    void aPcapPipeSendsItsGlobalHeaderFirst()
    {
        final OpenPipe pipe = OpenPipe.pcap(index.newReader(), 1, true);
        assertThat(pipe.isReadable()).as("the header is waiting").isTrue();
        assertThat(pipe.read(address, 4096, 0, mount)).isEqualTo(PcapFormat.GLOBAL_HEADER_LENGTH);
        assertThat(out.getInt(0)).as("nanosecond magic").isEqualTo(0xa1b23c4d);
        assertThat(out.getInt(20)).as("link type").isEqualTo(1);
        append("abcd");
        final int n = pipe.read(address, 4096, 0, mount);
        assertThat(n).as("a 16-byte record header and the frame").isEqualTo(16 + 4);
        assertThat(out.getInt(8)).as("captured length").isEqualTo(4);
        assertThat(out.getStringWithoutLengthAscii(16, 4)).isEqualTo("abcd");
        pipe.close();
    }

    @Test
    void theEndOfTheStreamAndUnmountBothReadAsEndOfFile()
    {
        final OpenPipe ended = OpenPipe.raw(index.newReader(), ElementFormat.VIEW, false);
        append("last");
        index.end();
        assertThat(ended.read(address, 4096, 0, mount)).as("drained first").isEqualTo(4);
        assertThat(ended.read(address, 4096, 0, mount)).as("then end-of-file").isZero();
        ended.close();

        final IndexBuffer live = data.newIndexBuffer(64, BufferPolicy.LOSSLESS);
        final OpenPipe pipe = OpenPipe.raw(live.newReader(), ElementFormat.VIEW, false);
        final UnsafeBuffer frame = new UnsafeBuffer("more".getBytes(StandardCharsets.US_ASCII));
        final long position = data.append(frame, 0, 4, 4, 0, 1);
        live.append(position, data.sequence(position), 0, 4, 0);
        mount.close();
        assertThat(pipe.read(address, 4096, 0, mount)).as("unmounted: end-of-file though data waits").isZero();
        pipe.close();
    }
}
