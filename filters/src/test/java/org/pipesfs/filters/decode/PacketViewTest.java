package org.pipesfs.filters.decode;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

/** The one decode per frame: layer offsets for each link type, VLAN tags, fragments, and frames cut short. */
class PacketViewTest
{
    private static final ByteOrder NET = ByteOrder.BIG_ENDIAN;
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[2048]);
    private final PacketView view = new PacketView();

    /** IPv4 + TCP (20-byte headers) with {@code payload} bytes, at {@code at}; returns the IP packet's length. */
    private int ipTcp(final int at, final int payload, final int fragmentField)
    {
        frame.putByte(at, (byte)0x45);
        frame.putShort(at + 2, (short)(40 + payload), NET);
        frame.putShort(at + 6, (short)fragmentField, NET);
        frame.putByte(at + 8, (byte)64);
        frame.putByte(at + 9, (byte)6);
        frame.putInt(at + 12, 0x0a000001, NET);
        frame.putInt(at + 16, 0x0a000002, NET);
        frame.putShort(at + 20, (short)40000, NET);
        frame.putShort(at + 22, (short)80, NET);
        frame.putByte(at + 32, (byte)0x50);
        frame.putByte(at + 33, (byte)0x12);
        for (int i = 0; i < payload; i++)
        {
            frame.putByte(at + 40 + i, (byte)'x');
        }
        return 40 + payload;
    }

    @Test
    void ethernetIpv4TcpGivesEveryLayersOffsets()
    {
        frame.putShort(12, (short)0x0800, NET);
        final int length = 14 + ipTcp(14, 26, 0);
        view.decode(frame, 0, length, PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
        assertThat(view.etherType()).isEqualTo(0x0800);
        assertThat(view.ipVersion()).isEqualTo(4);
        assertThat(view.protocol()).isEqualTo(PacketView.PROTO_TCP);
        assertThat(view.networkOffset()).isEqualTo(14);
        assertThat(view.networkEnd()).isEqualTo(length);
        assertThat(view.transportOffset()).isEqualTo(34);
        assertThat(view.payloadOffset()).isEqualTo(54);
        assertThat(view.payloadLength()).isEqualTo(26);
        assertThat(view.sourcePort()).isEqualTo(40000);
        assertThat(view.destinationPort()).isEqualTo(80);
        assertThat(view.tcpFlags()).isEqualTo(0x12);
        assertThat(view.isFragment()).isFalse();
        assertThat(view.u8(view.sourceAddressOffset() + 3)).isEqualTo(1);
        assertThat(view.u8(view.destinationAddressOffset() + 3)).isEqualTo(2);
    }

    @Test
    void ethernetPaddingIsNotPayload()
    {
        frame.putShort(12, (short)0x0800, NET);
        ipTcp(14, 0, 0);
        view.decode(frame, 0, 60, PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
        assertThat(view.networkEnd()).as("the IP total length ends the packet, not the frame").isEqualTo(54);
        assertThat(view.payloadLength()).isZero();
    }

    @Test
    void vlanTagsAreLookedThroughAndCounted()
    {
        frame.putShort(12, (short)0x8100, NET);
        frame.putShort(14, (short)(0x2000 | 42), NET);
        frame.putShort(16, (short)0x0800, NET);
        final int length = 18 + ipTcp(18, 5, 0);
        view.decode(frame, 0, length, PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
        assertThat(view.vlanTags()).isEqualTo(1);
        assertThat(view.firstVlanId()).isEqualTo(42);
        assertThat(view.networkOffset()).isEqualTo(18);
        assertThat(view.payloadOffset()).isEqualTo(58);
        assertThat(view.payloadLength()).isEqualTo(5);
    }

    @Test
    void rawIpHasItsNetworkLayerAtTheStart()
    {
        final int length = ipTcp(0, 3, 0);
        view.decode(frame, 0, length, PacketView.LINKTYPE_RAW, PacketView.TRANSPARENT);
        assertThat(view.networkOffset()).isZero();
        assertThat(view.transportOffset()).isEqualTo(20);
        assertThat(view.payloadLength()).isEqualTo(3);
    }

    @Test
    void aLaterFragmentHasNoTransportLayer()
    {
        frame.putShort(12, (short)0x0800, NET);
        final int first = 14 + ipTcp(14, 8, 0x2000); // more fragments, offset 0
        view.decode(frame, 0, first, PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
        assertThat(view.isFragment()).isTrue();
        assertThat(view.isLaterFragment()).isFalse();
        assertThat(view.transportOffset()).isEqualTo(34);

        final int later = 14 + ipTcp(14, 8, 0x0003); // offset 24 bytes, last fragment
        view.decode(frame, 0, later, PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
        assertThat(view.isFragment()).isTrue();
        assertThat(view.isLaterFragment()).isTrue();
        assertThat(view.transportOffset()).isNegative();
        assertThat(view.payloadOffset()).isNegative();
    }

    @Test
    void aFrameCutShortAnywhereDecodesOnlyWhatIsThere()
    {
        frame.putShort(12, (short)0x0800, NET);
        final int whole = 14 + ipTcp(14, 10, 0);
        for (int length = 0; length < whole; length++)
        {
            view.decode(frame, 0, length, PacketView.LINKTYPE_ETHERNET, PacketView.TRANSPARENT);
            assertThat(view.length()).isEqualTo(length);
            if (view.transportOffset() >= 0)
            {
                assertThat(view.transportEnd()).as("cut at %d", length).isLessThanOrEqualTo(length);
            }
            if (view.payloadOffset() >= 0)
            {
                assertThat(view.payloadEnd()).as("cut at %d", length).isLessThanOrEqualTo(length);
            }
            assertThat(length >= 34 || view.transportOffset() < 0).as("no TCP header before byte 34").isTrue();
        }
    }
}
