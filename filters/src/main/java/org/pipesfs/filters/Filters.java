package org.pipesfs.filters;

import org.pipesfs.filters.Filter.View;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.filters.expr.Addresses;
import org.pipesfs.filters.expr.ExprCompiler;
import org.pipesfs.filters.expr.ExprPacket;
import org.pipesfs.filters.expr.Matcher;

import java.util.Set;

/**
 * The filter catalogue, keyed by directory name. {@link #parse} returns the filter a
 * name stands for, null for a user node, or throws {@link FilterSpecException} for a known
 * kind with an impossible value ({@code port=99999}, {@code expr=tcp port}) and for names
 * that look like a filter typed wrong: any name with {@code =} that no filter takes
 * ({@code prot=80}), leading or trailing white space ({@code "tcp "}), or a filter's name in
 * other case ({@code HTTP}). Those would otherwise make a user node that waits for ever.
 */
public final class Filters
{
    /** HTTP request methods that have class directories and standalone filters. */
    public static final Set<String> METHODS = Set.of("get", "post", "put", "head", "delete", "options", "patch",
        "connect", "trace");

    /** The built-in names without a value, methods and class names included: all lower case. */
    private static final Set<String> NAMES = Set.of("eth", "vlan", "arp", "ip", "ip6", "tcp", "udp", "icmp", "icmp6",
        "inspect", "http", "dns", "stream", "defrag", "decap", "query", "response");

    private Filters()
    {
    }

    public static Filter parse(final String name)
    {
        switch (name)
        {
            case "eth" -> { return new Protocol(name, View.FRAME, Protocol.ETH, 0, null); }
            case "vlan" -> { return new Protocol(name, View.FRAME, Protocol.VLAN, 0, null); }
            case "arp" -> { return new Protocol(name, View.NETWORK, Protocol.ARP, 0, null); }
            case "ip" -> { return new Protocol(name, View.NETWORK, Protocol.IPV4, 0, null); }
            case "ip6" -> { return new Protocol(name, View.NETWORK, Protocol.IPV6, 0, null); }
            case "tcp" -> { return new Protocol(name, View.TRANSPORT, Protocol.TRANSPORT, PacketView.PROTO_TCP, null); }
            case "udp" -> { return new Protocol(name, View.TRANSPORT, Protocol.TRANSPORT, PacketView.PROTO_UDP, null); }
            case "icmp" -> { return new Protocol(name, View.TRANSPORT, Protocol.ICMP, 4, null); }
            case "icmp6" -> { return new Protocol(name, View.TRANSPORT, Protocol.ICMP, 6, null); }
            case "inspect" -> { return new Protocol(name, View.FRAME, Protocol.ALL, 0, null); }
            case "http" -> { return new HttpClassifier(); }
            case "dns" -> { return new DnsClassifier(); }
            case "stream" -> { return new StreamReassembler(); }
            case "defrag" -> { return new DefragFilter(name, 0); }
            case "decap" -> { return new DecapFilter(name); }
            case "query", "response" -> { return null; }
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
                case "kafka" -> { return kafkaExport(name, value); }
                case "tx" -> { return transmit(name, value); }
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
        refuseLookalike(name);
        return null;
    }

    private static void refuseLookalike(final String name)
    {
        final int eq = name.indexOf('=');
        if (eq >= 0)
        {
            throw new FilterSpecException("'" + name + "': no filter is called '" + name.substring(0, eq)
                + "' (with '=': port, sport, dport, host, src, dst, expr, kafka, tx); a user node's name has no '='");
        }
        if (!name.equals(name.strip()))
        {
            throw new FilterSpecException("'" + name + "': leading or trailing white space (a typo?)");
        }
        final String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (!lower.equals(name) && (NAMES.contains(lower) || METHODS.contains(lower)))
        {
            throw new FilterSpecException("'" + name + "': filter names are lower case, as in '" + lower + "'");
        }
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
        return new Protocol(name, View.INHERIT, Protocol.PORT, direction(key, "sport", "dport") << 16 | port, null);
    }

    private static Filter host(final String name, final String key, final String value)
    {
        final byte[] address = value.contains(":") ? Addresses.parseV6(value, name) : Addresses.parseV4(value, name);
        return new Protocol(name, View.INHERIT, Protocol.HOST, direction(key, "src", "dst"), address);
    }

    /** 0 either, 1 source only, 2 destination only. */
    private static int direction(final String key, final String source, final String destination)
    {
        return key.equals(source) ? 1 : key.equals(destination) ? 2 : 0;
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

    /**
     * {@code kafka=TOPIC[@HOST:PORT[,HOST:PORT...]]}: an export node. Here it is a node that
     * keeps every whole frame it is given; the file system attaches the producer that sends
     * what reaches it. Topic names are Kafka's: 1 to 249 of {@code [A-Za-z0-9._-]}.
     */
    private static Filter kafkaExport(final String name, final String value)
    {
        final int at = value.indexOf('@');
        final String topic = at < 0 ? value : value.substring(0, at);
        if (!topic.matches("[A-Za-z0-9._-]{1,249}") || topic.equals(".") || topic.equals(".."))
        {
            throw new FilterSpecException(name + ": '" + topic + "' is not a Kafka topic name ([A-Za-z0-9._-], 1 to 249)");
        }
        if (at >= 0 && !value.substring(at + 1).matches("[A-Za-z0-9.:\\[\\]-]+(,[A-Za-z0-9.:\\[\\]-]+)*"))
        {
            throw new FilterSpecException(name + ": '" + value.substring(at + 1) + "' is not HOST:PORT[,HOST:PORT...]");
        }
        return new Protocol(name, View.FRAME, Protocol.ALL, 0, null);
    }

    /**
     * {@code tx=IFACE}: a transmit node. Here it keeps every whole frame it is given; the file
     * system attaches the socket that sends what reaches it. Interface names are Linux's: 1 to
     * 15 bytes, no '/', ':' or white space.
     */
    private static Filter transmit(final String name, final String iface)
    {
        if (!iface.matches("[^/:\\s]{1,15}") || iface.equals(".") || iface.equals(".."))
        {
            throw new FilterSpecException(name + ": '" + iface + "' is not an interface name (1 to 15 bytes, no '/', ':' or space)");
        }
        return new Protocol(name, View.FRAME, Protocol.ALL, 0, null);
    }

    /**
     * {@code expr=EXPRESSION}. A directory name cannot hold '/', so {@code %2F} stands for it
     * ({@code expr=net 10.0.0.0%2F8}) and {@code %25} for '%', which pcap-filter never uses.
     */
    private static Filter expression(final String name, final String expression)
    {
        return new Expression(name, ExprCompiler.compile(unescapeSlashes(expression)), new ExprPacket());
    }

    private static String unescapeSlashes(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '%' && text.regionMatches(true, i + 1, "2F", 0, 2))
            {
                out.append('/');
                i += 2;
            }
            else if (c == '%' && text.startsWith("25", i + 1))
            {
                out.append('%');
                i += 2;
            }
            else if (c == '%')
            {
                throw new FilterSpecException("expr: '%' starts %2F (for '/') or %25 (for '%'), nothing else");
            }
            else
            {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * The built-in protocol, port and host filters as one class with a switch on its kind, so
     * the producer's call into it stays cheap (no second virtual call per node and element).
     * {@code value}: the IP version for ICMP, the protocol for TCP/UDP, direction and port for
     * PORT ({@code direction << 16 | port}), the direction for HOST.
     */
    record Protocol(String spec, View view, int kind, int value, byte[] address) implements Filter
    {
        static final int ALL = 0;
        static final int ETH = 1;
        static final int VLAN = 2;
        static final int ARP = 3;
        static final int IPV4 = 4;
        static final int IPV6 = 5;
        static final int TRANSPORT = 6;
        static final int ICMP = 7;
        static final int PORT = 8;
        static final int HOST = 9;

        public boolean accept(final PacketView p)
        {
            switch (kind)
            {
                case ETH: return p.linkType() == PacketView.LINKTYPE_ETHERNET;
                case VLAN: return p.vlanTags() > 0;
                case ARP: return p.isArp();
                case IPV4: return p.ipVersion() == 4;
                case IPV6: return p.ipVersion() == 6;
                case TRANSPORT: return p.protocol() == value && p.transportOffset() >= 0;
                case ICMP: return p.ipVersion() == value && p.transportOffset() >= 0
                    && p.protocol() == (value == 4 ? PacketView.PROTO_ICMP : PacketView.PROTO_ICMPV6);
                case PORT:
                {
                    final int direction = value >>> 16;
                    final int port = value & 0xffff;
                    return (direction != 2 && p.sourcePort() == port) || (direction != 1 && p.destinationPort() == port);
                }
                case HOST:
                    return (value != 2 && equalsAt(p, p.sourceAddressOffset(), address))
                        || (value != 1 && equalsAt(p, p.destinationAddressOffset(), address));
                default: return true;
            }
        }
    }

    /** {@code expr=...}: a compiled pcap-filter expression, with its own reusable packet context. */
    record Expression(String spec, Matcher matcher, ExprPacket packet) implements Filter
    {
        public boolean accept(final PacketView p)
        {
            return Matcher.run(matcher, packet.reset(p.buffer(), p.base(), p.length(), p.originalLength(), p.linkType()));
        }

        public View view()
        {
            return View.INHERIT;
        }
    }

}
