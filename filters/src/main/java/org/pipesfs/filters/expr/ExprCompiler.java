package org.pipesfs.filters.expr;

import org.pipesfs.filters.FilterSpecException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Compiles a pcap-filter (tcpdump) expression into a {@link Matcher} tree, once. The subset:
 * {@code [src|dst] host}, {@code [src|dst] net A.B.C.D mask M | A.B.C | A.B.C.D/N},
 * {@code [tcp|udp] [src|dst] port|portrange} (numbers or service names),
 * {@code ether [src|dst] host}, {@code ether proto}, {@code [ether] broadcast|multicast},
 * {@code ip multicast}, {@code ip ip6 tcp udp icmp icmp6 arp}, the encapsulations
 * {@code vlan [ID] mpls [LABEL] pppoes [SESSION] geneve [VNI] vxlan [VNI]}, {@code ip proto N}, {@code ip6 proto N}, {@code len}, {@code greater}, {@code less},
 * {@code proto[off:size]} relations with {@code & | + - * /} and the named constants
 * ({@code tcpflags}, {@code tcp-syn}, {@code icmp-echo}...), {@code and or not && || !} and
 * parentheses. As in tcpdump, {@code and} and {@code or} have equal precedence and associate
 * left to right, a bare address or port after them inherits the previous qualifiers, and every
 * primitive after an encapsulation keyword looks one layer in ({@link Layers}). Anything else is a
 * {@link FilterSpecException} naming the offending token.
 */
public final class ExprCompiler
{
    private static final Map<String, Long> CONSTANTS = Map.ofEntries(
        Map.entry("tcpflags", 13L), Map.entry("icmptype", 0L), Map.entry("icmpcode", 1L),
        Map.entry("icmp6type", 0L), Map.entry("icmp6code", 1L),
        Map.entry("tcp-fin", 0x01L), Map.entry("tcp-syn", 0x02L), Map.entry("tcp-rst", 0x04L),
        Map.entry("tcp-push", 0x08L), Map.entry("tcp-ack", 0x10L), Map.entry("tcp-urg", 0x20L),
        Map.entry("tcp-ece", 0x40L), Map.entry("tcp-cwr", 0x80L),
        Map.entry("icmp-echoreply", 0L), Map.entry("icmp-unreach", 3L), Map.entry("icmp-sourcequench", 4L),
        Map.entry("icmp-redirect", 5L), Map.entry("icmp-echo", 8L), Map.entry("icmp-routeradvert", 9L),
        Map.entry("icmp-routersolicit", 10L), Map.entry("icmp-timxceed", 11L), Map.entry("icmp-paramprob", 12L),
        Map.entry("icmp-tstamp", 13L), Map.entry("icmp-tstampreply", 14L));
    private static final Map<String, Integer> PROTOCOL_NUMBERS = Map.of("icmp", 1, "tcp", 6, "udp", 17, "icmp6", 58, "sctp", 132);

    private final String source;
    private final List<ExprLexer.Token> tokens;
    private int at;
    private int context;
    // qualifiers of the last primitive, inherited by a bare ID after and/or
    private String lastProto;
    private int lastDirection;
    private String lastType;

    private ExprCompiler(final String source)
    {
        this.source = source;
        this.tokens = ExprLexer.lex(source);
    }

    public static Matcher compile(final String expression)
    {
        if (expression.isBlank())
        {
            throw new FilterSpecException("expr: empty expression");
        }
        final ExprCompiler compiler = new ExprCompiler(expression);
        final Matcher matcher = compiler.expression();
        if (compiler.peek().kind() != ExprLexer.Kind.END)
        {
            throw compiler.unexpected();
        }
        return matcher;
    }

    private ExprLexer.Token peek()
    {
        return tokens.get(at);
    }

    private ExprLexer.Token peek(final int ahead)
    {
        return tokens.get(Math.min(at + ahead, tokens.size() - 1));
    }

    private ExprLexer.Token next()
    {
        return tokens.get(at++);
    }

    private Matcher expression()
    {
        Matcher left = unary();
        while (peek().kind() == ExprLexer.Kind.AND || peek().kind() == ExprLexer.Kind.OR)
        {
            final boolean and = next().kind() == ExprLexer.Kind.AND;
            final Matcher right = unary();
            left = and ? new Matcher.And(left, right) : new Matcher.Or(left, right);
        }
        return left;
    }

    private Matcher unary()
    {
        final ExprLexer.Token t = peek();
        if (t.kind() == ExprLexer.Kind.NOT)
        {
            next();
            return new Matcher.Not(unary());
        }
        if (t.kind() == ExprLexer.Kind.LPAREN)
        {
            next();
            final Matcher inner = expression();
            expect(ExprLexer.Kind.RPAREN);
            return inner;
        }
        if (isRelationStart())
        {
            return relation();
        }
        if (t.kind() != ExprLexer.Kind.WORD)
        {
            throw unexpected();
        }
        return primitive();
    }

    private boolean isRelationStart()
    {
        final ExprLexer.Token t = peek();
        if (t.kind() != ExprLexer.Kind.WORD)
        {
            return false;
        }
        if (peek(1).kind() == ExprLexer.Kind.LBRACK)
        {
            return true;
        }
        final boolean operandLike = t.text().equals("len") || isNumber(t.text()) || CONSTANTS.containsKey(t.text());
        return operandLike && (peek(1).kind() == ExprLexer.Kind.RELOP || peek(1).kind() == ExprLexer.Kind.ARITH);
    }

    // ---- primitives --------------------------------------------------------------------------

    private Matcher primitive()
    {
        String proto = null;
        int direction = 0;
        String type = null;
        boolean qualified = false;
        while (true)
        {
            final ExprLexer.Token t = peek();
            final String w = t.kind() == ExprLexer.Kind.WORD ? t.text() : "";
            if (!qualified && PROTOCOL_WORDS.contains(w))
            {
                next();
                proto = w;
                qualified = true;
                if (endsPrimitive(peek()))
                {
                    remember(proto, 0, null);
                    return protocol(proto);
                }
                continue;
            }
            if (w.equals("proto") && type == null && direction == 0)
            {
                next();
                return "ether".equals(proto) ? etherProto() : ipProto(proto);
            }
            if ((w.equals("broadcast") || w.equals("multicast")) && type == null && direction == 0)
            {
                next();
                return Primitives.cast(context, proto, w);
            }
            if ((w.equals("src") || w.equals("dst")) && direction == 0 && type == null)
            {
                next();
                direction = w.equals("src") ? 1 : 2;
                qualified = true;
                continue;
            }
            if ((w.equals("host") || w.equals("net") || w.equals("port") || w.equals("portrange")) && type == null)
            {
                next();
                type = w;
                qualified = true;
                continue;
            }
            if (ENCAPSULATIONS.contains(w) && !qualified)
            {
                next();
                return encapsulation(w);
            }
            if ((w.equals("greater") || w.equals("less")) && !qualified)
            {
                next();
                final long n = number(next(), 0, 0xffffffffL);
                return new Matcher.Relation(new Value.Length(), w.equals("greater") ? Matcher.Relation.GE : Matcher.Relation.LE,
                    new Value.Constant(n));
            }
            if (t.kind() != ExprLexer.Kind.WORD || KEYWORDS.contains(w))
            {
                throw unexpected();
            }
            // An ID: an address or a port. Unqualified, it inherits the previous primitive's qualifiers.
            if (!qualified)
            {
                if (lastType == null)
                {
                    throw new FilterSpecException("expr: '" + w + "' is not a primitive this filter supports");
                }
                proto = lastProto;
                direction = lastDirection;
                type = lastType;
            }
            if (type == null)
            {
                type = "host";
            }
            next();
            remember(proto, direction, type);
            return id(proto, direction, type, w);
        }
    }

    private static final List<String> ENCAPSULATIONS = List.of("vlan", "mpls", "pppoes", "geneve", "vxlan");

    /**
     * {@code vlan [ID]}, {@code mpls [LABEL]}, {@code pppoes [SESSION]}, {@code geneve [VNI]},
     * {@code vxlan [VNI]}: tests for that layer here, and moves every later primitive inside it.
     */
    private Matcher encapsulation(final String keyword)
    {
        final int step = switch (keyword)
        {
            case "vlan" -> Layers.VLAN;
            case "mpls" -> Layers.MPLS;
            case "pppoes" -> Layers.PPPOES;
            case "geneve" -> Layers.GENEVE;
            default -> Layers.VXLAN;
        };
        final long max = step == Layers.VLAN ? 4095 : step == Layers.MPLS ? 0xfffff : step == Layers.PPPOES ? 0xffff : 0xffffff;
        final int id = peek().kind() == ExprLexer.Kind.WORD && isNumber(peek().text()) ? (int)number(next(), 0, max) : -1;
        final Matcher matcher = switch (step)
        {
            case Layers.VLAN -> new Matcher.Vlan(context, id);
            case Layers.MPLS -> new Encapsulation.Mpls(context, id);
            case Layers.PPPOES -> new Encapsulation.Pppoes(context, id);
            case Layers.GENEVE -> new Encapsulation.UdpTunnel(context, Layers.PORT_GENEVE, id);
            default -> new Encapsulation.UdpTunnel(context, Layers.PORT_VXLAN, id);
        };
        context = Layers.push(context, step);
        return matcher;
    }

    private static final List<String> PROTOCOL_WORDS = List.of("ether", "ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "sctp");
    private static final List<String> KEYWORDS = List.of("ether", "ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "sctp",
        "src", "dst", "host", "net", "port", "portrange", "vlan", "mpls", "pppoes", "geneve", "vxlan", "proto", "greater", "less", "len", "mask", "broadcast", "multicast");

    private void remember(final String proto, final int direction, final String type)
    {
        lastProto = proto;
        lastDirection = direction;
        lastType = type;
    }

    private static boolean endsPrimitive(final ExprLexer.Token t)
    {
        return t.kind() == ExprLexer.Kind.END || t.kind() == ExprLexer.Kind.AND || t.kind() == ExprLexer.Kind.OR || t.kind() == ExprLexer.Kind.RPAREN;
    }

    private Matcher protocol(final String proto)
    {
        return switch (proto)
        {
            case "ip" -> new Matcher.EtherType(context, 0x0800);
            case "ip6" -> new Matcher.EtherType(context, 0x86dd);
            case "arp" -> new Matcher.EtherType(context, 0x0806);
            case "tcp", "udp", "sctp" -> new Matcher.Or(new Matcher.IpProto(context, 4, PROTOCOL_NUMBERS.get(proto)),
                new Matcher.IpProto(context, 6, PROTOCOL_NUMBERS.get(proto)));
            case "icmp" -> new Matcher.IpProto(context, 4, 1);
            case "icmp6" -> new Matcher.IpProto(context, 6, 58);
            default -> throw new FilterSpecException("expr: '" + proto + "' alone is not supported");
        };
    }

    /** {@code ether proto N}: the 16-bit type field, as a number or an escaped name ({@code \\ip}, {@code \\ip6}, {@code \\arp}). */
    private Matcher etherProto()
    {
        final ExprLexer.Token t = next();
        final String name = t.text().startsWith("\\") ? t.text().substring(1) : null;
        final int type;
        if (name != null)
        {
            type = switch (name)
            {
                case "ip" -> 0x0800;
                case "ip6" -> 0x86dd;
                case "arp" -> 0x0806;
                default -> throw new FilterSpecException("expr: 'ether proto \\" + name + "' is not supported: use a number");
            };
        }
        else
        {
            type = (int)number(t, 0, 0xffff);
        }
        return new Matcher.EtherType(context, type);
    }

    private Matcher ipProto(final String proto)
    {
        // As in tcpdump, a protocol name here is a keyword and must be escaped: ip proto \\udp.
        final ExprLexer.Token t = next();
        final String name = t.text().startsWith("\\") ? t.text().substring(1) : null;
        if (name == null && PROTOCOL_NUMBERS.containsKey(t.text()))
        {
            throw new FilterSpecException("expr: write 'proto \\" + t.text() + "' or a number, not 'proto " + t.text() + "'");
        }
        final long n = name != null && PROTOCOL_NUMBERS.containsKey(name) ? PROTOCOL_NUMBERS.get(name) : number(t, 0, 255);
        if (proto == null)
        {
            return new Matcher.Or(new Matcher.IpProto(context, 4, (int)n), new Matcher.IpProto(context, 6, (int)n));
        }
        if (proto.equals("ip") || proto.equals("ip6"))
        {
            return new Matcher.IpProto(context, proto.equals("ip") ? 4 : 6, (int)n);
        }
        throw new FilterSpecException("expr: 'proto' after '" + proto + "' is not supported");
    }

    private Matcher id(final String proto, final int direction, final String type, final String id)
    {
        switch (type)
        {
            case "port", "portrange" -> {
                final int protocol;
                if (proto == null)
                {
                    protocol = -1;
                }
                else if (proto.equals("tcp") || proto.equals("udp") || proto.equals("sctp"))
                {
                    protocol = PROTOCOL_NUMBERS.get(proto);
                }
                else
                {
                    throw new FilterSpecException("expr: '" + proto + " " + type + "' is not supported");
                }
                final int low;
                final int high;
                if (type.equals("port") && !isNumber(id))
                {
                    return Primitives.namedPort(context, direction, protocol, id);
                }
                if (type.equals("port"))
                {
                    low = (int)number(id, 0, 65535);
                    high = low;
                }
                else
                {
                    final int dash = id.indexOf('-');
                    if (dash <= 0)
                    {
                        throw new FilterSpecException("expr: portrange needs LOW-HIGH, not '" + id + "'");
                    }
                    low = (int)number(id.substring(0, dash), 0, 65535);
                    high = (int)number(id.substring(dash + 1), 0, 65535);
                }
                return new Matcher.Port(context, direction, protocol, Math.min(low, high), Math.max(low, high));
            }
            case "host", "net" -> {
                String mask = null;
                if (type.equals("net") && peek().kind() == ExprLexer.Kind.WORD && peek().text().equals("mask"))
                {
                    next();
                    mask = next().text();
                }
                return Primitives.address(context, proto, direction, type, id, mask, source);
            }
            default -> throw new FilterSpecException("expr: unsupported '" + type + "'");
        }
    }

    // ---- relations -----------------------------------------------------------------------------

    private Matcher relation()
    {
        final Value left = arithmetic(0);
        final ExprLexer.Token op = next();
        if (op.kind() != ExprLexer.Kind.RELOP)
        {
            at--;
            throw unexpected();
        }
        final Value right = arithmetic(0);
        final int code = switch (op.text())
        {
            case "=", "==" -> Matcher.Relation.EQ;
            case "!=" -> Matcher.Relation.NE;
            case "<" -> Matcher.Relation.LT;
            case "<=" -> Matcher.Relation.LE;
            case ">" -> Matcher.Relation.GT;
            default -> Matcher.Relation.GE;
        };
        return new Matcher.Relation(left, code, right);
    }

    private static int precedence(final String op)
    {
        return switch (op)
        {
            case "|" -> 1;
            case "&" -> 2;
            case "+", "-" -> 3;
            default -> 4;
        };
    }

    private Value arithmetic(final int minimum)
    {
        Value left = operand();
        while (peek().kind() == ExprLexer.Kind.ARITH && precedence(peek().text()) > minimum)
        {
            final String op = next().text();
            final Value right = arithmetic(precedence(op));
            left = new Value.Binary(left, op.charAt(0), right);
        }
        return left;
    }

    private Value operand()
    {
        final ExprLexer.Token t = next();
        if (t.kind() == ExprLexer.Kind.LPAREN)
        {
            final Value inner = arithmetic(0);
            expect(ExprLexer.Kind.RPAREN);
            return inner;
        }
        if (t.kind() != ExprLexer.Kind.WORD)
        {
            at--;
            throw unexpected();
        }
        if (t.text().equals("len"))
        {
            return new Value.Length();
        }
        if (CONSTANTS.containsKey(t.text()))
        {
            return new Value.Constant(CONSTANTS.get(t.text()));
        }
        if (isNumber(t.text()))
        {
            return new Value.Constant(number(t, 0, 0xffffffffL));
        }
        if (peek().kind() == ExprLexer.Kind.LBRACK)
        {
            next();
            final ExprLexer.Token offsetToken = next();
            final long offset = CONSTANTS.containsKey(offsetToken.text()) ? CONSTANTS.get(offsetToken.text())
                : number(offsetToken, 0, 65535);
            int size = 1;
            if (peek().kind() == ExprLexer.Kind.COLON)
            {
                next();
                size = (int)number(next(), 1, 4);
                if (size == 3)
                {
                    throw new FilterSpecException("expr: load size must be 1, 2 or 4, not 3");
                }
            }
            expect(ExprLexer.Kind.RBRACK);
            return switch (t.text())
            {
                case "ether" -> new Value.Load(context, 0, 0, (int)offset, size);
                case "ip" -> new Value.Load(context, 3, 0, (int)offset, size);
                case "tcp", "udp", "icmp" -> new Value.Load(context, 4, PROTOCOL_NUMBERS.get(t.text()), (int)offset, size);
                default -> throw new FilterSpecException("expr: '" + t.text() + "[...]' is not supported");
            };
        }
        at--;
        throw unexpected();
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private void expect(final ExprLexer.Kind kind)
    {
        if (peek().kind() != kind)
        {
            throw unexpected();
        }
        next();
    }

    private FilterSpecException unexpected()
    {
        final ExprLexer.Token t = peek();
        return new FilterSpecException(t.kind() == ExprLexer.Kind.END
            ? "expr: '" + source + "' ends too early"
            : "expr: unexpected '" + t.text() + "' in '" + source + "'");
    }

    private static boolean isNumber(final String text)
    {
        if (text.startsWith("0x") || text.startsWith("0X"))
        {
            return text.length() > 2 && text.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0);
        }
        return !text.isEmpty() && text.chars().allMatch(Character::isDigit);
    }

    private long number(final ExprLexer.Token t, final long min, final long max)
    {
        return number(t.text(), min, max);
    }

    private long number(final String text, final long min, final long max)
    {
        return number(text, min, max, source);
    }

    /** {@code text} as a decimal or 0x number within {@code [min, max]}, or a clear error naming {@code source}. */
    static long number(final String text, final long min, final long max, final String source)
    {
        if (!isNumber(text))
        {
            throw new FilterSpecException("expr: expected a number, not '" + text + "' in '" + source + "'");
        }
        final long value;
        try
        {
            value = text.startsWith("0x") || text.startsWith("0X") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new FilterSpecException("expr: number '" + text + "' is too large");
        }
        if (value < min || value > max)
        {
            throw new FilterSpecException("expr: '" + text + "' is outside " + min + ".." + max);
        }
        return value;
    }
}
