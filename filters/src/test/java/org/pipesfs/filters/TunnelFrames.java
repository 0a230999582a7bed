package org.pipesfs.filters;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Builds frames with tunnels around them, for {@code decap} tests: inner packets (an HTTP GET,
 * a DNS query, a TCP SYN, an ICMP echo, over IPv4 or IPv6) wrapped in one to three layers of
 * 802.1Q, 802.1ad, MPLS, PPPoE, L2TPv2, GRE (plain, with key and sequence, transparent
 * Ethernet), IP in IP, VXLAN, GENEVE (with options) and GTP-U (with an extension header).
 * Checksums are left zero: tshark does not check them by default.
 */
public final class TunnelFrames
{
    /** A packet under construction: its bytes, and whether they start with an Ethernet header. */
    public record Packet(byte[] bytes, boolean ethernet, String layers)
    {
    }

    public static final String[] TUNNELS = {"vlan", "qinq", "mpls", "pppoe", "l2tp", "gre", "gre-key-seq", "gre-eth", "ipip",
        "vxlan", "geneve", "gtpu"};

    private final Random random;

    public TunnelFrames(final long seed)
    {
        random = new Random(seed);
    }

    /**
     * Writes {@code count} frames of {@link #next} to an Ethernet pcap file, one a second.
     *
     * @return how many frames each layer name (tunnel kinds, {@code ip}, {@code ip6}...) appears in
     */
    public static java.util.Map<String, Integer> writeCapture(
        final java.nio.file.Path file, final long seed, final int count, final int maxDepth) throws java.io.IOException
    {
        final TunnelFrames frames = new TunnelFrames(seed);
        final java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
        try (org.pipesfs.nic.pcap.PcapFileWriter writer = new org.pipesfs.nic.pcap.PcapFileWriter(file, 1))
        {
            for (int i = 0; i < count; i++)
            {
                final Packet p = frames.next(maxDepth);
                writer.write(new org.agrona.concurrent.UnsafeBuffer(p.bytes()), 0, p.bytes().length, 1_000_000_000L * i);
                for (final String layer : new java.util.TreeSet<>(java.util.List.of(p.layers().split("[>:]"))))
                {
                    kinds.merge(layer, 1, Integer::sum);
                }
            }
        }
        return kinds;
    }

    /** A random inner packet in one to {@code maxDepth} random tunnels, as an Ethernet frame. */
    public Packet next(final int maxDepth)
    {
        Packet p = inner();
        final int depth = 1 + random.nextInt(maxDepth);
        for (int i = 0; i < depth; i++)
        {
            p = wrap(p, TUNNELS[random.nextInt(TUNNELS.length)]);
        }
        return p.ethernet() ? p : ethernet(p, etherType(p));
    }

    public Packet inner()
    {
        final boolean v6 = random.nextBoolean();
        return switch (random.nextInt(4))
        {
            case 0 -> ip(v6, 6, tcp(40000 + random.nextInt(1000), 80, 0x18,
                "GET /t" + random.nextInt(100) + " HTTP/1.1\r\nHost: example.com\r\n\r\n"), "http");
            case 1 -> ip(v6, 17, udp(50000 + random.nextInt(1000), 53, dnsQuery()), "dns");
            case 2 -> ip(v6, 6, tcp(40000 + random.nextInt(1000), 443, 0x02, ""), "syn");
            default -> ip(v6, v6 ? 58 : 1, icmpEcho(v6), "icmp");
        };
    }

    /** {@code packet} inside one more tunnel layer. */
    public Packet wrap(final Packet packet, final String tunnel)
    {
        final String layers = tunnel + ">" + packet.layers();
        return switch (tunnel)
        {
            case "vlan", "qinq" -> {
                final Packet frame = packet.ethernet() ? packet : ethernet(packet, etherType(packet));
                final byte[] b = frame.bytes();
                final byte[] out = new byte[b.length + 4];
                System.arraycopy(b, 0, out, 0, 12);
                put16(out, 12, tunnel.equals("vlan") ? 0x8100 : 0x88a8);
                put16(out, 14, 1 + random.nextInt(4000));
                System.arraycopy(b, 12, out, 16, b.length - 12);
                yield new Packet(out, true, layers);
            }
            case "mpls" -> {
                final Packet ip = ipOf(packet);
                final int labels = 1 + random.nextInt(3);
                final byte[] stack = new byte[4 * labels];
                for (int i = 0; i < labels; i++)
                {
                    final int label = 16 + random.nextInt(100_000);
                    put32(stack, 4 * i, label << 12 | (i == labels - 1 ? 0x100 : 0) | 64);
                }
                yield ethernet(new Packet(concat(stack, ip.bytes()), false, layers), 0x8847);
            }
            case "pppoe" -> {
                final Packet ip = ipOf(packet);
                final byte[] header = new byte[8];
                header[0] = 0x11;
                put16(header, 2, 1000 * (1 + random.nextInt(3)));
                put16(header, 4, ip.bytes().length + 2);
                put16(header, 6, version(ip) == 6 ? 0x0057 : 0x0021);
                yield ethernet(new Packet(concat(header, ip.bytes()), false, layers), 0x8864);
            }
            case "l2tp" -> {
                final Packet ip = ipOf(packet);
                final boolean sequenced = random.nextBoolean();
                final ByteArrayOutputStream h = new ByteArrayOutputStream();
                final int flags = 0x0002 | 0x4000 | (sequenced ? 0x0800 : 0);
                final byte[] fixed = new byte[sequenced ? 12 : 8];
                put16(fixed, 0, flags);
                put16(fixed, 2, 0); // length, set below
                put16(fixed, 4, 7);
                put16(fixed, 6, 9);
                h.writeBytes(fixed);
                h.writeBytes(new byte[] {(byte)0xff, 0x03, 0, (byte)(version(ip) == 6 ? 0x57 : 0x21)});
                final byte[] l2tp = concat(h.toByteArray(), ip.bytes());
                put16(l2tp, 2, l2tp.length);
                yield ip(random.nextBoolean(), 17, udp(1701, 1701, l2tp), layers);
            }
            case "gre", "gre-key-seq" -> {
                final Packet ip = ipOf(packet);
                final boolean keyed = tunnel.equals("gre-key-seq");
                final byte[] header = new byte[keyed ? 12 : 4];
                put16(header, 0, keyed ? 0x3000 : 0);
                put16(header, 2, version(ip) == 6 ? 0x86dd : 0x0800);
                if (keyed)
                {
                    put32(header, 4, random.nextInt());
                    put32(header, 8, random.nextInt(1000));
                }
                yield ip(random.nextBoolean(), 47, concat(header, ip.bytes()), layers);
            }
            case "gre-eth" -> {
                final Packet frame = packet.ethernet() ? packet : ethernet(packet, etherType(packet));
                final byte[] header = new byte[4];
                put16(header, 2, 0x6558);
                yield ip(random.nextBoolean(), 47, concat(header, frame.bytes()), layers);
            }
            case "ipip" -> {
                final Packet ip = ipOf(packet);
                yield ip(random.nextBoolean(), version(ip) == 6 ? 41 : 4, ip.bytes(), layers);
            }
            case "vxlan" -> {
                final Packet frame = packet.ethernet() ? packet : ethernet(packet, etherType(packet));
                final byte[] header = new byte[8];
                header[0] = 0x08;
                put32(header, 4, random.nextInt(1 << 24) << 8);
                yield ip(random.nextBoolean(), 17, udp(30000 + random.nextInt(30000), 4789, concat(header, frame.bytes())),
                    layers);
            }
            case "geneve" -> {
                final Packet frame = packet.ethernet() ? packet : ethernet(packet, etherType(packet));
                final int options = random.nextInt(3);
                final byte[] header = new byte[8 + 8 * options];
                header[0] = (byte)(2 * options);
                put16(header, 2, 0x6558);
                for (int i = 0; i < options; i++)
                {
                    put16(header, 8 + 8 * i, 0x0102);
                    header[8 + 8 * i + 2] = 0x01;
                    header[8 + 8 * i + 3] = 1; // one 4-byte word of option data
                }
                yield ip(random.nextBoolean(), 17, udp(30000 + random.nextInt(30000), 6081, concat(header, frame.bytes())),
                    layers);
            }
            case "gtpu" -> {
                final Packet ip = ipOf(packet);
                final boolean extension = random.nextBoolean();
                final byte[] header = new byte[extension ? 16 : 8];
                header[0] = (byte)(extension ? 0x34 : 0x30);
                header[1] = (byte)0xff;
                put16(header, 2, ip.bytes().length + header.length - 8);
                put32(header, 4, random.nextInt());
                if (extension)
                {
                    header[11] = (byte)0x85; // PDU session container
                    header[12] = 1;
                    header[13] = 0x10;
                    header[14] = 0x09;
                    header[15] = 0;
                }
                yield ip(random.nextBoolean(), 17, udp(2152, 2152, concat(header, ip.bytes())), layers);
            }
            default -> throw new IllegalArgumentException(tunnel);
        };
    }

    /** The IP packet to put in an IP-only tunnel: an Ethernet frame's payload stands in for the frame. */
    private Packet ipOf(final Packet packet)
    {
        if (!packet.ethernet())
        {
            return packet;
        }
        // Find the IP packet behind any tags; what lies around it is lost, as a router would lose it.
        final byte[] b = packet.bytes();
        int at = 12;
        int type = get16(b, at);
        while (type == 0x8100 || type == 0x88a8)
        {
            at += 4;
            type = get16(b, at);
        }
        if (type == 0x0800 || type == 0x86dd)
        {
            final byte[] ip = new byte[b.length - at - 2];
            System.arraycopy(b, at + 2, ip, 0, ip.length);
            return new Packet(ip, false, packet.layers());
        }
        // MPLS or PPPoE: carry the whole frame in transparent-Ethernet GRE
        return ip(false, 47, concat(new byte[] {0, 0, 0x65, 0x58}, b), "gre-eth>" + packet.layers());
    }

    private static int version(final Packet ip)
    {
        return (ip.bytes()[0] & 0xf0) >>> 4;
    }

    private static int etherType(final Packet ip)
    {
        return version(ip) == 6 ? 0x86dd : 0x0800;
    }

    private Packet ethernet(final Packet payload, final int type)
    {
        final byte[] header = new byte[14];
        for (int i = 0; i < 12; i++)
        {
            header[i] = (byte)random.nextInt(256);
        }
        header[0] &= (byte)0xfe;
        header[6] &= (byte)0xfe;
        put16(header, 12, type);
        return new Packet(concat(header, payload.bytes()), true, payload.layers());
    }

    private Packet ip(final boolean v6, final int protocol, final byte[] payload, final String layers)
    {
        if (v6)
        {
            final byte[] header = new byte[40];
            header[0] = 0x60;
            put16(header, 4, payload.length);
            header[6] = (byte)protocol;
            header[7] = 64;
            header[8] = 0x20;
            header[9] = 0x01;
            header[10] = 0x0d;
            header[11] = (byte)0xb8;
            header[23] = (byte)(1 + random.nextInt(200));
            header[24] = 0x20;
            header[25] = 0x01;
            header[26] = 0x0d;
            header[27] = (byte)0xb8;
            header[39] = (byte)(1 + random.nextInt(200));
            return new Packet(concat(header, payload), false, "ip6:" + layers);
        }
        final byte[] header = new byte[20];
        header[0] = 0x45;
        put16(header, 2, 20 + payload.length);
        put16(header, 4, random.nextInt(65536));
        header[8] = 64;
        header[9] = (byte)protocol;
        put32(header, 12, 0x0a000000 | random.nextInt(1 << 16));
        put32(header, 16, 0x0a010000 | random.nextInt(1 << 16));
        return new Packet(concat(header, payload), false, "ip:" + layers);
    }

    private byte[] tcp(final int sport, final int dport, final int flags, final String payload)
    {
        final byte[] data = payload.getBytes(StandardCharsets.US_ASCII);
        final byte[] segment = new byte[20 + data.length];
        put16(segment, 0, sport);
        put16(segment, 2, dport);
        put32(segment, 4, random.nextInt());
        put32(segment, 8, flags == 0x02 ? 0 : random.nextInt());
        segment[12] = 0x50;
        segment[13] = (byte)flags;
        put16(segment, 14, 64240);
        System.arraycopy(data, 0, segment, 20, data.length);
        return segment;
    }

    private static byte[] udp(final int sport, final int dport, final byte[] payload)
    {
        final byte[] datagram = new byte[8 + payload.length];
        put16(datagram, 0, sport);
        put16(datagram, 2, dport);
        put16(datagram, 4, datagram.length);
        System.arraycopy(payload, 0, datagram, 8, payload.length);
        return datagram;
    }

    private byte[] dnsQuery()
    {
        final ByteArrayOutputStream m = new ByteArrayOutputStream();
        final int id = random.nextInt(65536);
        m.writeBytes(new byte[] {(byte)(id >>> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (final String label : ("h" + random.nextInt(1000) + ".example.com").split("\\."))
        {
            m.write(label.length());
            m.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        m.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return m.toByteArray();
    }

    private byte[] icmpEcho(final boolean v6)
    {
        final byte[] message = new byte[16];
        message[0] = (byte)(v6 ? 128 : 8);
        put16(message, 4, random.nextInt(65536));
        put16(message, 6, random.nextInt(100));
        return message;
    }

    public static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void put16(final byte[] b, final int at, final int value)
    {
        b[at] = (byte)(value >>> 8);
        b[at + 1] = (byte)value;
    }

    private static void put32(final byte[] b, final int at, final int value)
    {
        put16(b, at, value >>> 16);
        put16(b, at + 2, value);
    }

    private static int get16(final byte[] b, final int at)
    {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }
}
