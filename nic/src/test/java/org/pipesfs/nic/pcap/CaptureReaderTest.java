package org.pipesfs.nic.pcap;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CaptureReaderTest
{
    static final Path CAPTURES = Path.of(System.getProperty("pipesfs.captures", "../../shared/captures"))
        .toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** tshark's view of a capture: one "epoch-seconds caplen linktype" line per record. */
    private static List<String> tshark(final Path file) throws Exception
    {
        final Process p = new ProcessBuilder("bash", "-c", "tshark -n -r " + file
            + " -T fields -e frame.time_epoch -e frame.cap_len -e frame.len 2>/dev/null").start();
        final String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out.lines().toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http.pcap", "dns_icmp.pcap", "test_ethernet.pcap", "be.pcap", "truncated_dns.pcap",
        "le-test001.pcapng", "be-test010.pcapng", "le-test100.pcapng"})
    void everySharedCaptureReadsLikeTshark(final String name) throws Exception
    {
        // A simple packet block has no timestamp: tshark prints none, our reader says 0.
        final List<String> expected = tshark(CAPTURES.resolve(name)).stream()
            .map(line -> line.startsWith("\t") ? "0.000000000" + line : line).toList();
        try (CaptureReader reader = CaptureReader.open(CAPTURES.resolve(name)))
        {
            assertThat(pass(reader)).isEqualTo(expected);
            // a looped replay's next pass (pcapng starts again at its first section header)
            reader.rewind();
            assertThat(pass(reader)).as("the pass after rewind()").isEqualTo(expected);
        }
    }

    private static List<String> pass(final CaptureReader reader)
    {
        final List<String> records = new ArrayList<>();
        while (reader.next())
        {
            final long ns = reader.timestampNs();
            records.add(String.format("%d.%09d\t%d\t%d", ns / 1_000_000_000L, ns % 1_000_000_000L,
                reader.capturedLength(), reader.originalLength()));
        }
        assertThat(reader.truncation()).isNull();
        assertThat(reader.position()).isEqualTo(reader.size());
        assertThat(reader.records()).isEqualTo(records.size());
        return records;
    }

    @Test
    void malformedAndEmptyFilesGiveAClearError() throws Exception
    {
        assertThatThrownBy(() -> CaptureReader.open(CAPTURES.resolve("malformed.pcap")))
            .isInstanceOf(CaptureFormatException.class).hasMessageContaining("not a pcap or pcapng file");
        final Path empty = Files.createFile(dir.resolve("empty.pcap"));
        assertThatThrownBy(() -> CaptureReader.open(empty)).isInstanceOf(CaptureFormatException.class)
            .hasMessageContaining("empty file");
        final Path shortHeader = Files.write(dir.resolve("short.pcap"), new byte[] {(byte)0xd4, (byte)0xc3, (byte)0xb2, (byte)0xa1, 2, 0});
        assertThatThrownBy(() -> CaptureReader.open(shortHeader)).isInstanceOf(CaptureFormatException.class)
            .hasMessageContaining("truncated pcap global header");
    }

    @Test
    void nanosecondPcapRoundTripsThroughTheWriter() throws Exception
    {
        final Path file = dir.resolve("ns.pcap");
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[100]);
        try (PcapFileWriter writer = new PcapFileWriter(file, PcapFormat.LINKTYPE_ETHERNET))
        {
            for (int i = 0; i < 10; i++)
            {
                frame.putInt(0, i);
                writer.write(frame, 0, 60 + i, 1_700_000_000_123_456_789L + i);
            }
        }
        try (CaptureReader reader = CaptureReader.open(file))
        {
            for (int i = 0; i < 10; i++)
            {
                assertThat(reader.next()).isTrue();
                assertThat(reader.timestampNs()).isEqualTo(1_700_000_000_123_456_789L + i);
                assertThat(reader.capturedLength()).isEqualTo(60 + i);
                assertThat(reader.buffer().getInt(reader.offset())).isEqualTo(i);
            }
            assertThat(reader.next()).isFalse();
        }
        assertThat(tshark(file)).first().asString().startsWith("1700000000.123456789\t60");
    }

    /** Builds pcapng blocks in either byte order. */
    private static final class NgBuilder
    {
        final ByteBuffer out = ByteBuffer.allocate(1 << 16);

        NgBuilder order(final ByteOrder order)
        {
            out.order(order);
            return this;
        }

        NgBuilder block(final int type, final byte[] body)
        {
            final int padded = (body.length + 3) & ~3;
            out.putInt(type).putInt(12 + padded).put(body).put(new byte[padded - body.length]).putInt(12 + padded);
            return this;
        }

        NgBuilder section()
        {
            final ByteBuffer body = ByteBuffer.allocate(16).order(out.order());
            body.putInt(0x1A2B3C4D).putShort((short)1).putShort((short)0).putLong(-1);
            return block(0x0A0D0D0A, body.array());
        }

        NgBuilder iface(final int linkType, final int tsresol)
        {
            final ByteBuffer body = ByteBuffer.allocate(tsresol < 0 ? 8 : 20).order(out.order());
            body.putShort((short)linkType).putShort((short)0).putInt(65535);
            if (tsresol >= 0)
            {
                body.putShort((short)9).putShort((short)1).put((byte)tsresol).put(new byte[3]).putInt(0);
            }
            return block(1, body.array());
        }

        NgBuilder epb(final int id, final long units, final byte[] frame, final int originalLength)
        {
            final ByteBuffer body = ByteBuffer.allocate(20 + frame.length).order(out.order());
            body.putInt(id).putInt((int)(units >>> 32)).putInt((int)units).putInt(frame.length).putInt(originalLength)
                .put(frame);
            return block(6, body.array());
        }

        NgBuilder spb(final byte[] frame)
        {
            final ByteBuffer body = ByteBuffer.allocate(4 + frame.length).order(out.order());
            body.putInt(frame.length).put(frame);
            return block(3, body.array());
        }

        NgBuilder pb(final int id, final long units, final byte[] frame)
        {
            final ByteBuffer body = ByteBuffer.allocate(20 + frame.length).order(out.order());
            body.putShort((short)id).putShort((short)0).putInt((int)(units >>> 32)).putInt((int)units)
                .putInt(frame.length).putInt(frame.length).put(frame);
            return block(2, body.array());
        }

        Path write(final Path file) throws Exception
        {
            final byte[] bytes = new byte[out.position()];
            out.flip().get(bytes);
            return Files.write(file, bytes);
        }
    }

    @Test
    void pcapngSectionsInBothByteOrdersWithSeveralInterfacesResolutionsAndBlockKinds() throws Exception
    {
        final byte[] a = new byte[61];
        final byte[] b = new byte[75];
        b[0] = 7;
        final Path file = new NgBuilder()
            .order(ByteOrder.LITTLE_ENDIAN).section()
            .iface(1, 9)                 // Ethernet, nanoseconds
            .iface(101, 0x83)            // raw IP, 1/8 s units
            .block(0x0BAD, new byte[10]) // unknown: skipped
            .epb(0, 1_500_000_000_123_456_789L, a, 100)
            .epb(1, 16, b, 75)           // 16/8 s = 2 s
            .order(ByteOrder.BIG_ENDIAN).section()
            .iface(113, -1)              // Linux cooked, default microseconds
            .pb(0, 3_000_000L, a)        // obsolete packet block: 3 s
            .spb(b)                      // simple packet block: no timestamp
            .write(dir.resolve("multi.pcapng"));
        try (CaptureReader reader = CaptureReader.open(file))
        {
            assertThat(reader.next()).isTrue();
            assertThat(reader.linkType()).isEqualTo(1);
            assertThat(reader.timestampNs()).isEqualTo(1_500_000_000_123_456_789L);
            assertThat(reader.capturedLength()).isEqualTo(61);
            assertThat(reader.originalLength()).isEqualTo(100);
            assertThat(reader.next()).isTrue();
            assertThat(reader.linkType()).isEqualTo(101);
            assertThat(reader.timestampNs()).isEqualTo(2_000_000_000L);
            assertThat(reader.buffer().getByte(reader.offset())).isEqualTo((byte)7);
            assertThat(reader.next()).isTrue();
            assertThat(reader.linkType()).isEqualTo(113);
            assertThat(reader.timestampNs()).isEqualTo(3_000_000_000L);
            assertThat(reader.next()).isTrue();
            assertThat(reader.capturedLength()).isEqualTo(75);
            assertThat(reader.next()).isFalse();
            assertThat(reader.truncation()).isNull();
            assertThat(reader.primaryLinkType()).isEqualTo(1);
        }
        assertThat(tshark(file)).as("tshark also lists the unknown block").hasSize(5)
            .contains("1500000000.123456789\t61\t100", "2.000000000\t75\t75", "3.000000000\t61\t61");
    }

    @Test
    void corruptPcapngBlocksGiveAClearError() throws Exception
    {
        final Path badLength = new NgBuilder().order(ByteOrder.LITTLE_ENDIAN).section().iface(1, -1)
            .epb(3, 0, new byte[60], 60).write(dir.resolve("badif.pcapng"));
        try (CaptureReader reader = CaptureReader.open(badLength))
        {
            assertThatThrownBy(reader::next).isInstanceOf(CaptureFormatException.class)
                .hasMessageContaining("names interface 3 of 1");
        }
    }
}
