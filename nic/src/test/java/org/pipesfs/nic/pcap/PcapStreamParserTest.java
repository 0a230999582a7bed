package org.pipesfs.nic.pcap;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The all.pcap write parser against the file reader, for every way a stream can be cut into writes. */
class PcapStreamParserTest
{
    /** One record as "timestamp-ns caplen origlen linktype hex-bytes". */
    private static String describe(final org.agrona.DirectBuffer buffer, final int offset, final int length,
        final int original, final long ns, final int linkType)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return ns + " " + length + " " + original + " " + linkType + " " + java.util.HexFormat.of().formatHex(bytes);
    }

    private static List<String> read(final String name)
    {
        final List<String> records = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(CaptureReaderTest.CAPTURES.resolve(name)))
        {
            while (reader.next())
            {
                records.add(describe(reader.buffer(), reader.offset(), reader.capturedLength(), reader.originalLength(),
                    reader.timestampNs(), reader.linkType()));
            }
        }
        return records;
    }

    private static List<String> parse(final byte[] stream, final int pieceLength, final int[] result)
    {
        final List<String> records = new ArrayList<>();
        final PcapStreamParser parser = new PcapStreamParser();
        final UnsafeBuffer buffer = new UnsafeBuffer(stream);
        for (int at = 0; at < stream.length; at += pieceLength)
        {
            result[0] = parser.accept(buffer, at, Math.min(pieceLength, stream.length - at),
                (b, o, l, orig, ns, lt) -> records.add(describe(b, o, l, orig, ns, lt)));
            if (result[0] != PcapStreamParser.OK)
            {
                break;
            }
        }
        return records;
    }

    @ParameterizedTest
    @ValueSource(strings = {"http.pcap", "be.pcap", "dns_icmp.pcap", "test_ethernet.pcap"})
    void everyRecordArrivesWhateverTheWriteSizes(final String name) throws Exception
    {
        final byte[] stream = Files.readAllBytes(CaptureReaderTest.CAPTURES.resolve(name));
        final List<String> expected = read(name);
        assertThat(expected).isNotEmpty();
        for (final int piece : new int[] {1, 2, 3, 7, 15, 16, 17, 24, 25, 100, 1500, 4096, 65_536, stream.length})
        {
            final int[] result = {0};
            assertThat(parse(stream, piece, result)).as("%s in %d-byte writes", name, piece).isEqualTo(expected);
            assertThat(result[0]).isEqualTo(PcapStreamParser.OK);
        }
    }

    @Test
    void aMalformedStreamFailsButKeepsEveryRecordBeforeTheFault() throws Exception
    {
        final byte[] good = Files.readAllBytes(CaptureReaderTest.CAPTURES.resolve("http.pcap"));
        final List<String> expected = read("http.pcap");
        // Cut after the 5th record and append a record header claiming 2 GB.
        int at = PcapFormat.GLOBAL_HEADER_LENGTH;
        final UnsafeBuffer view = new UnsafeBuffer(good);
        for (int i = 0; i < 5; i++)
        {
            at += PcapFormat.RECORD_HEADER_LENGTH + view.getInt(at + PcapFormat.CAPTURED_LENGTH_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        final byte[] bad = java.util.Arrays.copyOf(good, at + 16 + 10);
        new UnsafeBuffer(bad).putInt(at + PcapFormat.CAPTURED_LENGTH_OFFSET, Integer.MAX_VALUE, java.nio.ByteOrder.LITTLE_ENDIAN);
        for (final int piece : new int[] {1, 9, 1000, bad.length})
        {
            final int[] result = {0};
            assertThat(parse(bad, piece, result)).isEqualTo(expected.subList(0, 5));
            assertThat(result[0]).isEqualTo(PcapStreamParser.MALFORMED);
        }
        final PcapStreamParser parser = new PcapStreamParser();
        assertThat(parser.accept(new UnsafeBuffer(bad), 0, bad.length, (b, o, l, orig, ns, lt) -> true))
            .isEqualTo(PcapStreamParser.MALFORMED);
        assertThat(parser.problem()).contains("2147483647 bytes");
        assertThat(parser.accept(new UnsafeBuffer(good), 0, 24, (b, o, l, orig, ns, lt) -> true))
            .as("a broken stream stays broken").isEqualTo(PcapStreamParser.MALFORMED);
    }

    @Test
    void textAndPcapngAreRefusedAtTheHeader() throws Exception
    {
        final byte[] text = Files.readAllBytes(CaptureReaderTest.CAPTURES.resolve("malformed.pcap"));
        final PcapStreamParser parser = new PcapStreamParser();
        assertThat(parser.accept(new UnsafeBuffer(text), 0, text.length, (b, o, l, orig, ns, lt) -> true))
            .isEqualTo(PcapStreamParser.MALFORMED);
        assertThat(parser.problem()).startsWith("not a pcap stream: magic 0x");
        final byte[] ng = Files.readAllBytes(CaptureReaderTest.CAPTURES.resolve("le-test001.pcapng"));
        final PcapStreamParser ngParser = new PcapStreamParser();
        assertThat(ngParser.accept(new UnsafeBuffer(ng), 0, ng.length, (b, o, l, orig, ns, lt) -> true))
            .isEqualTo(PcapStreamParser.MALFORMED);
        assertThat(ngParser.problem()).contains("pcapng");
    }

    @Test
    void aHandlerThatStopsEndsTheWriteAtThatRecord() throws Exception
    {
        final byte[] stream = Files.readAllBytes(CaptureReaderTest.CAPTURES.resolve("http.pcap"));
        final int[] seen = {0};
        final PcapStreamParser parser = new PcapStreamParser();
        assertThat(parser.accept(new UnsafeBuffer(stream), 0, stream.length, (b, o, l, orig, ns, lt) -> ++seen[0] < 3))
            .isEqualTo(PcapStreamParser.STOPPED);
        assertThat(seen[0]).isEqualTo(3);
    }
}
