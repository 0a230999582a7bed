package org.pipesfs.filters.expr;

import org.pipesfs.filters.FilterSpecException;

/**
 * The primitives whose operand needs more than a number: host and net addresses with their
 * masks, service names, and the link-layer address tests. Each builds the matcher for a
 * primitive in layer context {@code context} ({@link Layers}) from its parsed words.
 */
final class Primitives
{
    private Primitives()
    {
    }

    /** {@code [ether|ip|ip6|arp] [src|dst] host|net ID [mask M]}: direction 0 either, 1 src, 2 dst. */
    static Matcher address(
        final int context, final String proto, final int direction, final String type, final String id,
        final String maskText, final String source)
    {
        if ("ether".equals(proto) && type.equals("host"))
        {
            return etherAddress(direction, Addresses.parseMac(id, source));
        }
        if (proto != null && !proto.equals("ip") && !proto.equals("ip6") && !proto.equals("arp"))
        {
            throw new FilterSpecException("expr: '" + proto + " " + type + "' is not supported");
        }
        byte[] mask = maskText == null ? null : Addresses.parseV4(maskText, source);
        String address = id;
        if (mask == null && type.equals("net") && id.contains("/"))
        {
            address = id.substring(0, id.indexOf('/'));
            final int bits = (int)ExprCompiler.number(id.substring(id.indexOf('/') + 1), 0, address.contains(":") ? 128 : 32,
                source);
            mask = Addresses.prefixMask(address.contains(":") ? 16 : 4, bits);
        }
        final byte[] bytes;
        if (type.equals("net") && mask == null && !address.contains(":"))
        {
            final String[] parts = address.split("\\.", -1);
            bytes = Addresses.parseV4Partial(address, source);
            mask = Addresses.prefixMask(4, 8 * parts.length);
        }
        else
        {
            bytes = address.contains(":") ? Addresses.parseV6(address, source) : Addresses.parseV4(address, source);
        }
        if (mask == null)
        {
            mask = Addresses.prefixMask(bytes.length, bytes.length * 8);
        }
        if (mask.length != bytes.length)
        {
            throw new FilterSpecException("expr: mask does not fit address '" + id + "'");
        }
        for (int i = 0; i < bytes.length; i++)
        {
            if ((bytes[i] & ~mask[i]) != 0)
            {
                throw new FilterSpecException("expr: non-network bits set in '" + id + "'");
            }
        }
        if (bytes.length == 16 && proto != null && !proto.equals("ip6"))
        {
            throw new FilterSpecException("expr: '" + proto + "' with IPv6 address '" + id + "'");
        }
        if (bytes.length == 4 && "ip6".equals(proto))
        {
            throw new FilterSpecException("expr: 'ip6' with IPv4 address '" + id + "'");
        }
        return new Matcher.Address(context, direction, bytes, mask, !"arp".equals(proto), proto == null || proto.equals("arp"));
    }

    /**
     * {@code [ether] broadcast|multicast} on the destination MAC address; {@code ip multicast}
     * on the IPv4 destination's first byte, 224 or more, as libpcap compiles it. {@code ip broadcast} needs the network's netmask,
     * which a capture does not carry: tcpdump refuses it when reading one, and so does this.
     */
    static Matcher cast(final int context, final String proto, final String which)
    {
        if (proto == null || proto.equals("ether"))
        {
            return which.equals("broadcast") ? etherAddress(2, new byte[] {-1, -1, -1, -1, -1, -1})
                : new Matcher.Relation(new Value.Binary(etherLoad(0, 1), '&', new Value.Constant(1)), Matcher.Relation.NE,
                    new Value.Constant(0));
        }
        if (proto.equals("ip") && which.equals("multicast"))
        {
            // libpcap's test: the first byte of the destination at least 224, so 255.255.255.255 counts too
            return new Matcher.Relation(new Value.Load(context, 3, 0, 16, 1), Matcher.Relation.GE, new Value.Constant(224));
        }
        throw new FilterSpecException("expr: '" + which + "' after '" + proto + "' is not supported"
            + (proto.equals("ip") ? " (it needs the network's netmask, which a capture does not carry)" : ""));
    }

    /** The MAC addresses sit before any tag, so they are read from the outermost header. */
    private static Value etherLoad(final int offset, final int size)
    {
        return new Value.Load(0, 0, 0, offset, size);
    }

    /** {@code ether [src|dst] host MAC}: direction 1 source, 2 destination, 0 either. */
    private static Matcher etherAddress(final int direction, final byte[] mac)
    {
        final long high = (mac[0] & 0xffL) << 24 | (mac[1] & 0xff) << 16 | (mac[2] & 0xff) << 8 | (mac[3] & 0xff);
        final long low = (mac[4] & 0xff) << 8 | (mac[5] & 0xff);
        final Matcher destination = new Matcher.And(
            new Matcher.Relation(etherLoad(0, 4), Matcher.Relation.EQ, new Value.Constant(high)),
            new Matcher.Relation(etherLoad(4, 2), Matcher.Relation.EQ, new Value.Constant(low)));
        final Matcher source = new Matcher.And(
            new Matcher.Relation(etherLoad(6, 4), Matcher.Relation.EQ, new Value.Constant(high)),
            new Matcher.Relation(etherLoad(10, 2), Matcher.Relation.EQ, new Value.Constant(low)));
        return direction == 1 ? source : direction == 2 ? destination : new Matcher.Or(source, destination);
    }

    /**
     * {@code port NAME}, as tcpdump resolves it from {@code /etc/services}: the name's TCP port
     * for TCP and its UDP port for UDP (often, but not always, the same number).
     */
    static Matcher namedPort(final int context, final int direction, final int protocol, final String name)
    {
        if (protocol >= 0)
        {
            final int port = Services.port(name, protocol == 17 ? "udp" : "tcp");
            if (port < 0)
            {
                throw unknownService(name);
            }
            return new Matcher.Port(context, direction, protocol, port, port);
        }
        final int tcp = Services.port(name, "tcp");
        final int udp = Services.port(name, "udp");
        if (tcp < 0 && udp < 0)
        {
            throw unknownService(name);
        }
        if (tcp == udp)
        {
            return new Matcher.Port(context, direction, -1, tcp, tcp);
        }
        final Matcher overTcp = tcp < 0 ? null : new Matcher.Port(context, direction, 6, tcp, tcp);
        final Matcher overUdp = udp < 0 ? null : new Matcher.Port(context, direction, 17, udp, udp);
        return overTcp == null ? overUdp : overUdp == null ? overTcp : new Matcher.Or(overTcp, overUdp);
    }

    private static FilterSpecException unknownService(final String name)
    {
        return new FilterSpecException("expr: '" + name + "' is not a port number or a service name in /etc/services");
    }
}
