package org.pipesfs.examples;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.pipesfs.filters.Filter;
import org.pipesfs.filters.Filters;
import org.pipesfs.filters.decode.PacketView;

import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

class SynFilterPluginTest
{
    private static PacketView tcp(final int flags)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[60]);
        frame.putShort(12, (short)0x0800, ByteOrder.BIG_ENDIAN);
        frame.putByte(14, (byte)0x45);
        frame.putShort(16, (short)40, ByteOrder.BIG_ENDIAN);
        frame.putByte(23, (byte)6);
        frame.putByte(46, (byte)0x50);
        frame.putByte(47, (byte)flags);
        return new PacketView().decode(frame, 0, 60, PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
    }

    @Test
    void serviceLoaderFindsThePluginAndItKeepsOnlyConnectionAttempts()
    {
        final Filter syn = Filters.parse("syn");
        assertThat(syn).as("found through META-INF/services").isNotNull();
        assertThat(syn.spec()).isEqualTo("syn");
        assertThat(syn.accept(tcp(0x02))).isTrue();
        assertThat(syn.accept(tcp(0x12))).as("SYN-ACK is an answer, not an attempt").isFalse();
        assertThat(syn.accept(tcp(0x10))).isFalse();
        assertThat(Filters.parse("not-a-plugin")).as("unknown names stay user nodes").isNull();
    }
}
