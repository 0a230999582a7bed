package org.pipesfs.filters.expr;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.pipesfs.filters.Filter;
import org.pipesfs.filters.FilterSpecException;
import org.pipesfs.filters.Filters;
import org.pipesfs.filters.decode.PacketView;

import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * pcap-filter as tcpdump reads it: precedence, inherited qualifiers, byte loads and their
 * bounds, and errors that name the offending token. (Agreement with tcpdump itself, packet
 * by packet over real captures, is checked through a mount in the fs module.)
 */
class ExprCompilerTest
{
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    /** Ethernet, IPv4, then TCP (6) or UDP (17) with 4 payload bytes, in a buffer of its own. */
    private static PacketView packet(
        final int protocol, final int src, final int dst, final int sport, final int dport, final int tcpFlags)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[128]);
        frame.putShort(12, (short)0x0800, NET);
        final int l4 = protocol == 6 ? 20 : 8;
        frame.putByte(14, (byte)0x45);
        frame.putShort(16, (short)(20 + l4 + 4), NET);
        frame.putByte(22, (byte)64);
        frame.putByte(23, (byte)protocol);
        frame.putInt(26, src, NET);
        frame.putInt(30, dst, NET);
        frame.putShort(34, (short)sport, NET);
        frame.putShort(36, (short)dport, NET);
        if (protocol == 6)
        {
            frame.putByte(46, (byte)0x50);
            frame.putByte(47, (byte)tcpFlags);
        }
        else
        {
            frame.putShort(38, (short)(8 + 4), NET);
        }
        final int length = 14 + 20 + l4 + 4;
        return new PacketView().decode(frame, 0, Math.max(60, length), PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
    }

    private static boolean matches(final String expression, final PacketView packet)
    {
        final Filter filter = Filters.parse("expr=" + expression);
        return filter.accept(packet);
    }

    @Test
    void directionsPortsAndHosts()
    {
        final PacketView toWeb = packet(6, 0x0a000001, 0x0a000002, 40000, 80, 0x18);
        assertThat(matches("tcp dst port 80", toWeb)).isTrue();
        assertThat(matches("tcp src port 80", toWeb)).isFalse();
        assertThat(matches("udp port 80", toWeb)).isFalse();
        assertThat(matches("host 10.0.0.2 and not src host 10.0.0.2", toWeb)).isTrue();
        assertThat(matches("net 10.0.0.0/8", toWeb)).isTrue();
        assertThat(matches("src net 10.0.1.0/24", toWeb)).isFalse();
        assertThat(matches("portrange 79-81", toWeb)).isTrue();
    }

    @Test
    void andAndOrHaveEqualPrecedenceAndGroupLeftToRight()
    {
        final PacketView tcp = packet(6, 1, 2, 40000, 22, 0x18);
        // (tcp or udp) and port 53: false for TCP to 22; tcp or (udp and port 53) would be true
        assertThat(matches("tcp or udp and port 53", tcp)).isFalse();
        assertThat(matches("udp and port 53 or tcp", tcp)).isTrue();
        assertThat(matches("tcp or (udp and port 53)", tcp)).isTrue();
    }

    @Test
    void aBareValueAfterAnOperatorInheritsTheQualifiers()
    {
        final PacketView dns = packet(17, 1, 2, 40000, 53, 0);
        assertThat(matches("port 80 or 53", dns)).as("port 80 or port 53").isTrue();
        assertThat(matches("dst port 80 or 40000", dns)).as("dst port 80 or dst port 40000").isFalse();
    }

    @Test
    void byteLoadsRelationsAndNamedConstants()
    {
        final PacketView syn = packet(6, 1, 2, 40000, 80, 0x02);
        final PacketView ack = packet(6, 1, 2, 40000, 80, 0x10);
        assertThat(matches("tcp[tcpflags] & tcp-syn != 0", syn)).isTrue();
        assertThat(matches("tcp[tcpflags] & tcp-syn != 0", ack)).isFalse();
        assertThat(matches("tcp[13] = 2", syn)).isTrue();
        assertThat(matches("ip[9] = 6 and ip[2:2] > 40", syn)).isTrue();
        assertThat(matches("ip proto \\tcp", syn)).isTrue();
        assertThat(matches("len >= 60 and greater 59 and not less 59", syn)).isTrue();
    }

    @Test
    void aLoadPastTheEndRejectsThePacketEvenUnderNot()
    {
        final PacketView small = packet(6, 1, 2, 40000, 80, 0x18);
        assertThat(matches("tcp[1000] = 0", small)).isFalse();
        assertThat(matches("not tcp[1000] = 0", small)).as("BPF aborts the whole filter").isFalse();
    }

    @Test
    void errorsNameWhatIsWrong()
    {
        assertThatThrownBy(() -> ExprCompiler.compile("tcp port")).isInstanceOf(FilterSpecException.class);
        assertThatThrownBy(() -> ExprCompiler.compile("port 99999")).isInstanceOf(FilterSpecException.class)
            .hasMessageContaining("99999");
        assertThatThrownBy(() -> ExprCompiler.compile("tcp and or udp")).isInstanceOf(FilterSpecException.class)
            .hasMessageContaining("or");
        assertThatThrownBy(() -> ExprCompiler.compile("(tcp")).isInstanceOf(FilterSpecException.class);
        assertThatThrownBy(() -> ExprCompiler.compile("frobnicate")).isInstanceOf(FilterSpecException.class)
            .hasMessageContaining("frobnicate");
    }
}
