package org.pipesfs.filters;

import org.pipesfs.filters.Filter.View;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.filters.expr.Addresses;
import org.pipesfs.filters.expr.ExprCompiler;
import org.pipesfs.filters.expr.ExprPacket;
import org.pipesfs.filters.expr.Matcher;

import java.util.Set;

/**
 * The filter catalogue of SPEC §2, keyed by directory name. {@link #parse} returns the filter a
 * name stands for, null for a user node, or throws {@link FilterSpecException} for a known
 * kind with an impossible value ({@code port=99999}, {@code expr=tcp port}).
 */
public final class Filters
{
    /** HTTP request methods that have class directories and standalone filters. */
    public static final Set<String> METHODS = Set.of("get", "post", "put", "head", "delete", "options", "patch",
        "connect", "trace");

    private Filters()
    {
    }

    public static Filter parse(final String name)
    {
        switch (name)
        {
            case "eth" -> { return new Protocol(name, View.FRAME, p -> p.linkType() == PacketView.LINKTYPE_ETHERNET); }
            case "vlan" -> { return new Protocol(name, View.FRAME, p -> p.vlanTags() > 0); }
            case "arp" -> { return new Protocol(name, View.NETWORK, PacketView::isArp); }
            case "ip" -> { return new Protocol(name, View.NETWORK, p -> p.ipVersion() == 4); }
            case "ip6" -> { return new Protocol(name, View.NETWORK, p -> p.ipVersion() == 6); }
            case "tcp" -> { return new Protocol(name, View.TRANSPORT,
                p -> p.protocol() == PacketView.PROTO_TCP && p.transportOffset() >= 0); }
            case "udp" -> { return new Protocol(name, View.TRANSPORT,
                p -> p.protocol() == PacketView.PROTO_UDP && p.transportOffset() >= 0); }
            case "icmp" -> { return new Protocol(name, View.TRANSPORT,
                p -> p.ipVersion() == 4 && p.protocol() == PacketView.PROTO_ICMP && p.transportOffset() >= 0); }
            case "icmp6" -> { return new Protocol(name, View.TRANSPORT,
                p -> p.ipVersion() == 6 && p.protocol() == PacketView.PROTO_ICMPV6 && p.transportOffset() >= 0); }
            case "http" -> { return new HttpClassifier(); }
            case "dns" -> { return new DnsClassifier(); }
            case "query", "response" -> { return null; }
            case "inspect" -> { return new Protocol(name, View.FRAME, p -> true); }
            default -> { }
        }
        if (METHODS.contains(name))
        {
            return new HttpClassifier.Method(name);
        }
        final int eq = name.indexOf('=');
        if (eq > 0)
        {
            final String key = name.substring(0, eq);
            final String value = name.substring(eq + 1);
            switch (key)
            {
                case "port", "sport", "dport" -> { return port(name, key, value); }
                case "host", "src", "dst" -> { return host(name, key, value); }
                case "expr" -> { return expression(name, value); }
                default -> { }
            }
        }
        for (final FilterPlugin plugin : Plugins.LOADED)
        {
            final Filter filter = plugin.create(name);
            if (filter != null)
            {
                return filter;
            }
        }
        return null;
    }

    /** Plugins on the classpath, loaded once. */
    private static final class Plugins
    {
        static final java.util.List<FilterPlugin> LOADED = java.util.ServiceLoader.load(FilterPlugin.class).stream()
            .map(java.util.ServiceLoader.Provider::get).toList();
    }

    private static Filter port(final String name, final String key, final String value)
    {
        final int port;
        try
        {
            port = Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new FilterSpecException(name + ": '" + value + "' is not a port number");
        }
        if (port < 0 || port > 65535)
        {
            throw new FilterSpecException(name + ": port " + port + " is outside 0..65535");
        }
        final boolean source = !key.equals("dport");
        final boolean destination = !key.equals("sport");
        return new Protocol(name, View.INHERIT,
            p -> (source && p.sourcePort() == port) || (destination && p.destinationPort() == port));
    }

    private static Filter host(final String name, final String key, final String value)
    {
        final byte[] address = value.contains(":") ? Addresses.parseV6(value, name) : Addresses.parseV4(value, name);
        final boolean source = !key.equals("dst");
        final boolean destination = !key.equals("src");
        return new Protocol(name, View.INHERIT,
            p -> (source && equalsAt(p, p.sourceAddressOffset(), address))
                || (destination && equalsAt(p, p.destinationAddressOffset(), address)));
    }

    private static boolean equalsAt(final PacketView p, final int offset, final byte[] address)
    {
        if (offset < 0 || p.addressLength() != address.length || !p.fits(offset, address.length))
        {
            return false;
        }
        for (int i = 0; i < address.length; i++)
        {
            if (p.u8(offset + i) != (address[i] & 0xff))
            {
                return false;
            }
        }
        return true;
    }

    private static Filter expression(final String name, final String expression)
    {
        final Matcher matcher = ExprCompiler.compile(expression);
        final ExprPacket packet = new ExprPacket();
        return new Protocol(name, View.INHERIT, p -> Matcher.run(matcher,
            packet.reset(p.buffer(), p.base(), p.length(), p.originalLength(), p.linkType())));
    }

    /** True for names the catalogue turns into a filter (so not a user node), without building it. */
    public static boolean isUserNode(final String name)
    {
        return parse(name) == null;
    }

    /** A stateless predicate filter. */
    record Protocol(String spec, View view, Predicate predicate) implements Filter
    {
        public boolean accept(final PacketView packet)
        {
            return predicate.test(packet);
        }
    }

    /** Allocation-free predicate over a decoded packet. */
    @FunctionalInterface
    interface Predicate
    {
        boolean test(PacketView packet);
    }
}
