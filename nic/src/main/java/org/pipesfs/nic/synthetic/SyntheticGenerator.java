package org.pipesfs.nic.synthetic;

import org.agrona.AsciiEncoding;
import org.agrona.MutableDirectBuffer;

import java.util.SplittableRandom;

import static org.pipesfs.nic.synthetic.PacketWriter.*;

/**
 * Deterministic traffic: the same seed gives the same frames, byte for byte. Traffic comes as
 * whole conversations, interleaved one frame at a time from a few concurrent ones: TCP
 * handshakes, HTTP requests and responses, teardowns; DNS queries and answers; ICMP and
 * ICMPv6 echo; ARP; over IPv4 and IPv6, with a few VLAN-tagged conversations. Every checksum
 * is valid. The {@link TrafficMix} picks the proportions; within one mix, output depends on the
 * seed alone.
 *
 * <p>Single-threaded; writes straight into slot memory; allocation-free after construction.
 */
public final class SyntheticGenerator
{
    /** Upper bound on any frame this generator writes. */
    public static final int MAX_FRAME = 1_600;

    private static final int CONCURRENT = 4;
    private static final int HTTP = 0;
    private static final int DNS = 1;
    private static final int ECHO = 2;
    private static final int ARP = 3;
    private static final long GATEWAY_MAC = 0x020000000101L;
    /** TCP payload per response segment: fits IPv6 and a VLAN tag in a 1500-byte MTU. */
    private static final int SEGMENT = 1_440;
    /** The longest response body, and every body's bytes: the HTML repeated, copied in a piece per segment. */
    private static final int MAX_BODY = 41_000;
    private static final byte[] BODY = new byte[MAX_BODY];
    /**
     * Checksum sums of the body's prefixes, as 16-bit words: {@code EVEN_HIGH[i]} with the bytes at
     * even indexes as high bytes, {@code ODD_HIGH[i]} with those at odd indexes; a segment's
     * body sum is then a difference, whatever its alignment in the segment.
     */
    private static final long[] EVEN_HIGH = new long[MAX_BODY + 1];
    private static final long[] ODD_HIGH = new long[MAX_BODY + 1];

    static
    {
        for (int i = 0; i < MAX_BODY; i++)
        {
            BODY[i] = TrafficModel.HTML[i % TrafficModel.HTML.length];
            final int v = BODY[i] & 0xff;
            EVEN_HIGH[i + 1] = EVEN_HIGH[i] + ((i & 1) == 0 ? v << 8 : v);
            ODD_HIGH[i + 1] = ODD_HIGH[i] + ((i & 1) == 1 ? v << 8 : v);
        }
    }

    /** Frames of an HTTP conversation besides its response segments: handshake, request, ACK, teardown. */
    private static final int HTTP_FRAMES = 8;

    private final SplittableRandom random;
    private final boolean web;
    private final Conversation[] active = new Conversation[CONCURRENT];
    private int ipId;
    /** The last bytes of the frame being written whose checksum sum is known: the response body. */
    private int tail;
    private long tailSum;

    public SyntheticGenerator(final long seed)
    {
        this(seed, TrafficMix.DEFAULT);
    }

    public SyntheticGenerator(final long seed, final TrafficMix mix)
    {
        random = new SplittableRandom(seed);
        web = mix == TrafficMix.WEB;
        for (int i = 0; i < CONCURRENT; i++)
        {
            active[i] = new Conversation();
            start(active[i]);
        }
    }

    /** Writes the next frame at {@code offset} and returns its length. */
    public int next(final MutableDirectBuffer b, final int offset)
    {
        final Conversation c = active[random.nextInt(CONCURRENT)];
        final int length = write(c, b, offset);
        if (++c.step == c.steps)
        {
            start(c);
        }
        return length;
    }

    private void start(final Conversation c)
    {
        final int roll = random.nextInt(100);
        c.kind = web ? (roll < 85 ? HTTP : roll < 95 ? DNS : ECHO) : roll < 50 ? HTTP : roll < 75 ? DNS : roll < 90 ? ECHO : ARP;
        c.v6 = c.kind != ARP && random.nextInt(100) < 25;
        c.vlan = !c.v6 && random.nextInt(100) < 6 ? 100 + random.nextInt(4) : 0;
        c.step = 0;
        c.host = random.nextInt(TrafficModel.HOSTS.length);
        c.clientV4 = web ? spreadClient() : 0x0a010000 | (1 + random.nextInt(250)) << 8 | (1 + random.nextInt(250));
        c.clientV6Lo = 0x1000L + random.nextInt(4000);
        c.clientMac = 0x020000000000L | (c.clientV4 & 0xffff);
        c.clientPort = 32768 + random.nextInt(28000);
        c.clientSeq = random.nextLong() & 0xffffffffL;
        c.serverSeq = random.nextLong() & 0xffffffffL;
        c.id = random.nextInt(65536);
        final int m = random.nextInt(100);
        int method = 0;
        while (TrafficModel.METHOD_WEIGHTS[method] <= m)
        {
            method++;
        }
        c.method = method;
        c.path = random.nextInt(TrafficModel.PATHS.length);
        c.status = random.nextInt(100) < 80 ? 0 : 1 + random.nextInt(3);
        c.bodyLength = web ? 1_000 + random.nextInt(MAX_BODY - 1_000) : random.nextInt(1200);
        c.aaaa = random.nextBoolean();
        c.segments = c.kind == HTTP ? segments(c) : 0;
        c.steps = c.kind == HTTP ? HTTP_FRAMES + c.segments : 2;
    }

    /** A unicast client outside 10/8 and 127/8, spread over first octets as the Internet's are. */
    private int spreadClient()
    {
        int first = 1 + random.nextInt(221);
        first += first >= 10 ? 1 : 0;
        first += first >= 127 ? 1 : 0;
        return first << 24 | random.nextInt(1 << 24);
    }

    private static int segments(final Conversation c)
    {
        final int header = TrafficModel.STATUS_LINES[c.status].length + TrafficModel.SERVER_HEADERS.length
            + TrafficModel.CONTENT_LENGTH.length + AsciiEncoding.digitCount(c.bodyLength) + TrafficModel.END_OF_HEADERS.length;
        final int total = header + (hasResponseBody(c) ? c.bodyLength : 0);
        return (total + SEGMENT - 1) / SEGMENT;
    }

    private static boolean hasResponseBody(final Conversation c)
    {
        return c.method != 3; // HEAD: the headers alone
    }

    private int write(final Conversation c, final MutableDirectBuffer b, final int frame)
    {
        tail = 0;
        tailSum = 0;
        switch (c.kind)
        {
            case HTTP:
                return writeHttp(c, b, frame);
            case DNS:
                return writeDns(c, b, frame);
            case ECHO:
                return writeEcho(c, b, frame);
            default:
                return writeArp(c, b, frame);
        }
    }

    // ---- HTTP over TCP ----------------------------------------------------------------

    private int writeHttp(final Conversation c, final MutableDirectBuffer b, final int frame)
    {
        final boolean fromClient;
        final int flags;
        int payload = 0;
        final int l4 = frame + linkLength(c) + (c.v6 ? IPV6_HEADER : IPV4_HEADER);
        final boolean syn = c.step < 2;
        final int tcpHeader = syn ? TCP_HEADER + 4 : TCP_HEADER;
        final int data = l4 + tcpHeader;
        final int segment = c.step - 4;
        // Steps 4 .. 4 + segments - 1 carry the response; the teardown follows as step 5 on.
        final int step = segment < 0 ? c.step : segment < c.segments ? 4 : c.step - c.segments + 1;
        switch (step)
        {
            case 0 -> { fromClient = true; flags = SYN; }
            case 1 -> { fromClient = false; flags = SYN | ACK; }
            case 2 -> { fromClient = true; flags = ACK; }
            case 3 -> { fromClient = true; flags = PSH | ACK; payload = writeRequest(c, b, data); }
            case 4 -> { fromClient = false; flags = segment == c.segments - 1 ? PSH | ACK : ACK; payload = writeResponse(c, b, data, segment); }
            case 5 -> { fromClient = true; flags = ACK; }
            case 6 -> { fromClient = true; flags = FIN | ACK; }
            case 7 -> { fromClient = false; flags = FIN | ACK; }
            default -> { fromClient = true; flags = ACK; }
        }
        final long seq = fromClient ? c.clientSeq : c.serverSeq;
        final long ack = (flags & ACK) != 0 ? (fromClient ? c.serverSeq : c.clientSeq) : 0;
        final int sport = fromClient ? c.clientPort : 80;
        final int dport = fromClient ? 80 : c.clientPort;
        tcp(b, l4, sport, dport, seq, ack, flags, fromClient ? 64240 : 65160, syn, payload);
        final int advance = payload + ((flags & (SYN | FIN)) != 0 ? 1 : 0);
        if (fromClient)
        {
            c.clientSeq = (c.clientSeq + advance) & 0xffffffffL;
        }
        else
        {
            c.serverSeq = (c.serverSeq + advance) & 0xffffffffL;
        }
        return finishIp(c, b, frame, l4, tcpHeader + payload, PROTO_TCP, fromClient);
    }

    private int writeRequest(final Conversation c, final MutableDirectBuffer b, final int start)
    {
        int at = put(b, start, TrafficModel.METHODS[c.method]);
        b.putByte(at++, (byte)' ');
        at = put(b, at, TrafficModel.PATHS[c.path]);
        at = put(b, at, TrafficModel.HTTP_VERSION);
        at = put(b, at, TrafficModel.HOSTS[c.host]);
        at = put(b, at, TrafficModel.USER_AGENT);
        final boolean hasBody = c.method == 1 || c.method == 2;
        if (hasBody)
        {
            at = put(b, at, TrafficModel.CONTENT_TYPE_FORM);
            at = put(b, at, TrafficModel.CONTENT_LENGTH);
            at = putDecimal(b, at, TrafficModel.FORM_BODY.length);
        }
        at = put(b, at, TrafficModel.END_OF_HEADERS);
        if (hasBody)
        {
            at = put(b, at, TrafficModel.FORM_BODY);
        }
        return at - start;
    }

    /** Writes response segment {@code segment}: the headers open segment 0, the body runs on. */
    private int writeResponse(final Conversation c, final MutableDirectBuffer b, final int start, final int segment)
    {
        int at = start;
        if (segment == 0)
        {
            at = put(b, at, TrafficModel.STATUS_LINES[c.status]);
            at = put(b, at, TrafficModel.SERVER_HEADERS);
            at = put(b, at, TrafficModel.CONTENT_LENGTH);
            at = putDecimal(b, at, c.bodyLength);
            at = put(b, at, TrafficModel.END_OF_HEADERS);
            c.responseHeader = at - start;
        }
        if (hasResponseBody(c))
        {
            // A body ends its last line, as text files do, so `grep` on a stream of payloads
            // sees the next request line on a line of its own.
            final int from = segment == 0 ? 0 : segment * SEGMENT - c.responseHeader;
            final int to = Math.min(c.bodyLength, from + SEGMENT - (at - start));
            if (to > from)
            {
                // the body's bytes are a copy, and their checksum sum a difference of prefix sums
                final boolean evenHigh = ((from + at - start) & 1) == 0;
                final long[] prefix = evenHigh ? EVEN_HIGH : ODD_HIGH;
                long bodySum = prefix[to] - prefix[from];
                b.putBytes(at, BODY, from, to - from);
                at += to - from;
                if (to == c.bodyLength)
                {
                    b.putByte(at - 1, (byte)'\n');
                    final boolean high = (((to - 1) & 1) == 0) == evenHigh;
                    bodySum += ('\n' - (BODY[to - 1] & 0xff)) * (high ? 256L : 1L);
                }
                tail = to - from;
                tailSum = bodySum;
            }
        }
        return at - start;
    }

    // ---- DNS over UDP -------------------------------------------------------------------

    private int writeDns(final Conversation c, final MutableDirectBuffer b, final int frame)
    {
        final boolean query = c.step == 0;
        final int l4 = frame + linkLength(c) + (c.v6 ? IPV6_HEADER : IPV4_HEADER);
        final int dns = l4 + UDP_HEADER;
        final byte[] name = TrafficModel.DNS_NAMES[c.host];
        final int type = c.aaaa ? 28 : 1;
        b.putShort(dns, (short)c.id, NET);
        b.putShort(dns + 2, (short)(query ? 0x0100 : 0x8180), NET);
        b.putShort(dns + 4, (short)1, NET);
        b.putShort(dns + 6, (short)(query ? 0 : 1), NET);
        b.putShort(dns + 8, (short)0, NET);
        b.putShort(dns + 10, (short)0, NET);
        int at = put(b, dns + 12, name);
        b.putShort(at, (short)type, NET);
        b.putShort(at + 2, (short)1, NET);
        at += 4;
        if (!query)
        {
            b.putShort(at, (short)0xc00c, NET);
            b.putShort(at + 2, (short)type, NET);
            b.putShort(at + 4, (short)1, NET);
            b.putInt(at + 6, 300, NET);
            if (c.aaaa)
            {
                b.putShort(at + 10, (short)16, NET);
                b.putLong(at + 12, TrafficModel.SERVER_V6_HI, NET);
                b.putLong(at + 20, TrafficModel.SERVER_V6_LO[c.host], NET);
                at += 28;
            }
            else
            {
                b.putShort(at + 10, (short)4, NET);
                b.putInt(at + 12, TrafficModel.SERVER_V4[c.host], NET);
                at += 16;
            }
        }
        final int payload = at - dns;
        udp(b, l4, query ? c.clientPort : 53, query ? 53 : c.clientPort, payload);
        return finishIp(c, b, frame, l4, UDP_HEADER + payload, PROTO_UDP, query);
    }

    // ---- ICMP / ICMPv6 echo ---------------------------------------------------------------

    private int writeEcho(final Conversation c, final MutableDirectBuffer b, final int frame)
    {
        final boolean request = c.step == 0;
        final int l4 = frame + linkLength(c) + (c.v6 ? IPV6_HEADER : IPV4_HEADER);
        final int payload = put(b, l4 + ICMP_HEADER, TrafficModel.ICMP_PATTERN) - (l4 + ICMP_HEADER);
        if (c.v6)
        {
            icmp6Echo(b, l4, request ? 128 : 129, c.id, 1);
        }
        else
        {
            icmpEcho(b, l4, request ? 8 : 0, c.id, 1, payload);
        }
        return finishIp(c, b, frame, l4, ICMP_HEADER + payload, c.v6 ? PROTO_ICMPV6 : PROTO_ICMP, request);
    }

    // ---- ARP --------------------------------------------------------------------------------

    private int writeArp(final Conversation c, final MutableDirectBuffer b, final int frame)
    {
        final boolean request = c.step == 0;
        final int gatewayIp = 0x0a010001;
        final int l3 = frame + linkLength(c);
        if (request)
        {
            writeLink(c, b, frame, 0xffffffffffffL, c.clientMac, ETHERTYPE_ARP);
            arp(b, l3, 1, c.clientMac, c.clientV4, 0, gatewayIp);
        }
        else
        {
            writeLink(c, b, frame, c.clientMac, GATEWAY_MAC, ETHERTYPE_ARP);
            arp(b, l3, 2, GATEWAY_MAC, gatewayIp, c.clientMac, c.clientV4);
        }
        final int length = l3 + ARP_PAYLOAD - frame;
        // Pad to the Ethernet minimum, as a NIC would.
        for (int i = length; i < 60; i++)
        {
            b.putByte(frame + i, (byte)0);
        }
        return Math.max(length, 60);
    }

    // ---- shared tails -------------------------------------------------------------------------

    private int finishIp(
        final Conversation c,
        final MutableDirectBuffer b,
        final int frame,
        final int l4,
        final int l4Length,
        final int protocol,
        final boolean fromClient)
    {
        final int ip = frame + linkLength(c);
        final long clientMac = c.clientMac;
        if (c.v6)
        {
            final long serverLo = c.kind == DNS ? TrafficModel.DNS_SERVER_V6_LO : TrafficModel.SERVER_V6_LO[c.host];
            final long srcHi = fromClient ? TrafficModel.CLIENT_V6_HI : TrafficModel.SERVER_V6_HI;
            final long srcLo = fromClient ? c.clientV6Lo : serverLo;
            final long dstHi = fromClient ? TrafficModel.SERVER_V6_HI : TrafficModel.CLIENT_V6_HI;
            final long dstLo = fromClient ? serverLo : c.clientV6Lo;
            ipv6(b, ip, srcHi, srcLo, dstHi, dstLo, protocol, l4Length, fromClient ? 64 : 57);
            l4ChecksumV6(b, ip, l4, l4Length, protocol, tail, tailSum);
            writeLink(c, b, frame, fromClient ? GATEWAY_MAC : clientMac, fromClient ? clientMac : GATEWAY_MAC, ETHERTYPE_IPV6);
        }
        else
        {
            final int server = c.kind == DNS ? TrafficModel.DNS_SERVER_V4 : TrafficModel.SERVER_V4[c.host];
            final int src = fromClient ? c.clientV4 : server;
            final int dst = fromClient ? server : c.clientV4;
            if (protocol != PROTO_ICMP)
            {
                l4ChecksumV4(b, l4, l4Length, src, dst, protocol, tail, tailSum);
            }
            ipv4(b, ip, src, dst, protocol, l4Length, ipId++ & 0xffff, fromClient ? 64 : 57);
            writeLink(c, b, frame, fromClient ? GATEWAY_MAC : clientMac, fromClient ? clientMac : GATEWAY_MAC, ETHERTYPE_IPV4);
        }
        final int length = l4 + l4Length - frame;
        for (int i = length; i < 60; i++)
        {
            b.putByte(frame + i, (byte)0);
        }
        return Math.max(length, 60);
    }

    private static int linkLength(final Conversation c)
    {
        return c.vlan != 0 ? ETH_HEADER + VLAN_TAG : ETH_HEADER;
    }

    private static void writeLink(
        final Conversation c, final MutableDirectBuffer b, final int frame, final long dst, final long src, final int type)
    {
        if (c.vlan != 0)
        {
            ethernetVlan(b, frame, dst, src, c.vlan, type);
        }
        else
        {
            ethernet(b, frame, dst, src, type);
        }
    }

    private static int put(final MutableDirectBuffer b, final int at, final byte[] bytes)
    {
        b.putBytes(at, bytes);
        return at + bytes.length;
    }

    private static int putDecimal(final MutableDirectBuffer b, final int at, final int value)
    {
        return at + b.putIntAscii(at, value);
    }

    /** One conversation's state; reused when it finishes, so nothing is allocated per frame. */
    private static final class Conversation
    {
        int kind;
        boolean v6;
        int vlan;
        int step;
        int steps;
        int host;
        int clientV4;
        long clientV6Lo;
        long clientMac;
        int clientPort;
        long clientSeq;
        long serverSeq;
        int id;
        int method;
        int path;
        int status;
        int bodyLength;
        boolean aaaa;
        int segments;
        int responseHeader;
    }
}
