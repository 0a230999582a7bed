package org.pipesfs.filters;

import org.pipesfs.filters.decode.PacketView;

/**
 * {@code dns}: accepts DNS messages on port 53 (UDP, or TCP after its two-byte length), shows
 * the message, and sorts them into {@code query} and {@code response} by the QR bit.
 */
public final class DnsClassifier implements Filter.Classifier
{
    static final String QUERY = "query";
    static final String RESPONSE = "response";
    private static final int HEADER = 12;

    public String spec()
    {
        return "dns";
    }

    public View view()
    {
        return View.PAYLOAD;
    }

    public boolean accept(final PacketView packet)
    {
        return header(packet) >= 0;
    }

    public String classify(final PacketView packet)
    {
        final int header = header(packet);
        if (header < 0)
        {
            return null;
        }
        return (packet.u8(header + 2) & 0x80) != 0 ? RESPONSE : QUERY;
    }

    public Filter classFilter(final String className)
    {
        return new Kind(className, RESPONSE.equals(className));
    }

    public boolean isClass(final String name)
    {
        return QUERY.equals(name) || RESPONSE.equals(name);
    }

    /** Offset of the DNS header, or -1 if this is not a DNS message. */
    static int header(final PacketView packet)
    {
        if (packet.sourcePort() != 53 && packet.destinationPort() != 53)
        {
            return -1;
        }
        final int payload = packet.payloadOffset();
        final int header = packet.protocol() == PacketView.PROTO_TCP ? payload + 2 : payload;
        if (payload < 0 || (packet.protocol() != PacketView.PROTO_UDP && packet.protocol() != PacketView.PROTO_TCP)
            || !packet.fits(header, HEADER) || header + HEADER > packet.payloadEnd())
        {
            return -1;
        }
        return header;
    }

    /** {@code query} or {@code response} as a filter of its own. */
    public record Kind(String spec, boolean response) implements Filter
    {
        public boolean accept(final PacketView packet)
        {
            final int header = header(packet);
            return header >= 0 && ((packet.u8(header + 2) & 0x80) != 0) == response;
        }

        public View view()
        {
            return View.PAYLOAD;
        }
    }
}
