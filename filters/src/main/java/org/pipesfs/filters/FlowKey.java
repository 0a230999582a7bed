package org.pipesfs.filters;

import org.pipesfs.filters.decode.PacketView;

/**
 * A conversation's key, the same bytes for both of its directions: for TCP and UDP the IP
 * version, protocol and both address-and-port pairs in sorted order; for other IP traffic the
 * version, protocol and both addresses sorted; for anything else with an Ethernet header both
 * MAC addresses sorted. Fragments carry no ports after the first, so a fragmented datagram is
 * keyed by its addresses. A frame that decodes to none of these has no key (null).
 *
 * <p>Layout (big-endian ports):
 * <pre>
 *   0  u8   IP version (4, 6; 0 for MAC keys)
 *   1  u8   IP protocol (0 for MAC keys)
 *   2  A    lower endpoint: address (4, 16 or 6 bytes), then port (u16, TCP/UDP only)
 *   .  B    higher endpoint, the same
 * </pre>
 * Stateless; any thread.
 */
public final class FlowKey
{
    static final int VERSION_OFFSET = 0;
    static final int PROTOCOL_OFFSET = 1;
    static final int ENDPOINTS_OFFSET = 2;
    private static final int MAC_LENGTH = 6;

    private FlowKey()
    {
    }

    /** The key of the decoded packet {@code p}, or null. */
    public static byte[] of(final PacketView p)
    {
        final int addressLength = p.addressLength();
        if (p.ipVersion() != 0 && addressLength > 0 && p.fits(p.sourceAddressOffset(), addressLength)
            && p.fits(p.destinationAddressOffset(), addressLength))
        {
            final boolean ports = !p.isFragment() && (p.protocol() == PacketView.PROTO_TCP || p.protocol() == PacketView.PROTO_UDP)
                && p.sourcePort() >= 0 && p.destinationPort() >= 0;
            final int endpoint = addressLength + (ports ? 2 : 0);
            final byte[] key = new byte[ENDPOINTS_OFFSET + 2 * endpoint];
            key[VERSION_OFFSET] = (byte)p.ipVersion();
            key[PROTOCOL_OFFSET] = (byte)p.protocol();
            final int order = compare(p, p.sourceAddressOffset(), p.destinationAddressOffset(), addressLength,
                ports ? p.sourcePort() : 0, ports ? p.destinationPort() : 0);
            final boolean sourceFirst = order <= 0;
            put(p, key, ENDPOINTS_OFFSET, sourceFirst ? p.sourceAddressOffset() : p.destinationAddressOffset(), addressLength,
                ports, sourceFirst ? p.sourcePort() : p.destinationPort());
            put(p, key, ENDPOINTS_OFFSET + endpoint, sourceFirst ? p.destinationAddressOffset() : p.sourceAddressOffset(),
                addressLength, ports, sourceFirst ? p.destinationPort() : p.sourcePort());
            return key;
        }
        if (p.linkType() == PacketView.LINKTYPE_ETHERNET && p.fits(0, 2 * MAC_LENGTH))
        {
            final byte[] key = new byte[ENDPOINTS_OFFSET + 2 * MAC_LENGTH];
            final boolean destinationFirst = compare(p, 0, MAC_LENGTH, MAC_LENGTH, 0, 0) <= 0;
            put(p, key, ENDPOINTS_OFFSET, destinationFirst ? 0 : MAC_LENGTH, MAC_LENGTH, false, 0);
            put(p, key, ENDPOINTS_OFFSET + MAC_LENGTH, destinationFirst ? MAC_LENGTH : 0, MAC_LENGTH, false, 0);
            return key;
        }
        return null;
    }

    /** Orders endpoint a (address at offset a, port aPort) against b: unsigned bytes, then port. */
    private static int compare(final PacketView p, final int a, final int b, final int length, final int aPort, final int bPort)
    {
        for (int i = 0; i < length; i++)
        {
            final int diff = p.u8(a + i) - p.u8(b + i);
            if (diff != 0)
            {
                return diff;
            }
        }
        return Integer.compare(aPort, bPort);
    }

    private static void put(
        final PacketView p, final byte[] key, final int at, final int address, final int length, final boolean ports, final int port)
    {
        for (int i = 0; i < length; i++)
        {
            key[at + i] = (byte)p.u8(address + i);
        }
        if (ports)
        {
            key[at + length] = (byte)(port >>> 8);
            key[at + length + 1] = (byte)port;
        }
    }
}
