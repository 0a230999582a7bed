package org.pipesfs.filters.decode;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.pipesfs.filters.TunnelFrames;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each tunnel kind alone: the inner packet's offset and link type, and every cut of the frame
 * short: never a read past the end, and a cut inside the tunnel's own header is malformed.
 */
class TunnelDecoderTest
{
    private static final int ETHERNET = PacketView.LINKTYPE_ETHERNET;
    private static final int RAW = PacketView.LINKTYPE_RAW;

    private final PacketView view = new PacketView();
    private final TunnelDecoder tunnels = new TunnelDecoder();

    @Test
    void findsTheInnerPacketOfEveryTunnelKindAndRefusesItsTruncations()
    {
        final TunnelFrames frames = new TunnelFrames(5);
        for (final String tunnel : TunnelFrames.TUNNELS)
        {
            for (int i = 0; i < 20; i++)
            {
                final TunnelFrames.Packet inner = frames.inner();
                final boolean carriesEthernet = tunnel.equals("vxlan") || tunnel.equals("geneve") || tunnel.equals("gre-eth");
                final TunnelFrames.Packet wrapped = frames.wrap(inner, tunnel);
                final byte[] frame = wrapped.ethernet() ? wrapped.bytes() : TunnelFrames.concat(ethernetHeader(wrapped),
                    wrapped.bytes());
                final int innerOffset = frame.length - inner.bytes().length - (carriesEthernet ? 14 : 0);

                assertThat(decode(frame, frame.length)).as(tunnel).isEqualTo(TunnelDecoder.FOUND);
                assertThat(tunnels.innerOffset()).as(tunnel).isEqualTo(innerOffset);
                assertThat(tunnels.innerLinkType()).as(tunnel).isEqualTo(carriesEthernet ? ETHERNET : RAW);

                assertThat(decode(frame, innerOffset)).as(tunnel + " cut where the inner packet starts")
                    .isEqualTo(TunnelDecoder.MALFORMED);
                if (!tunnel.equals("ipip"))
                {
                    // IP in IP has no header of its own: that cut is in the outer IP header, not a tunnel
                    assertThat(decode(frame, innerOffset - 1)).as(tunnel + " cut in its header")
                        .isEqualTo(TunnelDecoder.MALFORMED);
                }
                for (int cut = 0; cut < frame.length; cut++)
                {
                    final int result = decode(frame, cut);
                    if (result == TunnelDecoder.FOUND)
                    {
                        assertThat(tunnels.innerOffset()).as(tunnel + " cut at " + cut).isLessThan(cut);
                    }
                }
            }
        }
    }

    @Test
    void framesWithoutTunnelsArePlain()
    {
        final TunnelFrames frames = new TunnelFrames(6);
        for (int i = 0; i < 50; i++)
        {
            final TunnelFrames.Packet ip = frames.inner();
            final byte[] frame = TunnelFrames.concat(ethernetHeader(ip), ip.bytes());
            assertThat(decode(frame, frame.length)).isEqualTo(TunnelDecoder.PLAIN);
        }
    }

    @Test
    void aLabelStackWithoutItsBottomIsMalformed()
    {
        final byte[] frame = new byte[14 + 4 * 20];
        frame[12] = (byte)0x88;
        frame[13] = 0x47;
        assertThat(decode(frame, frame.length)).isEqualTo(TunnelDecoder.MALFORMED);
    }

    private int decode(final byte[] frame, final int length)
    {
        return tunnels.decode(view.decode(new UnsafeBuffer(frame), 0, length, ETHERNET, PacketView.TRANSPARENT));
    }

    private static byte[] ethernetHeader(final TunnelFrames.Packet ip)
    {
        final byte[] header = new byte[14];
        header[12] = (byte)((ip.bytes()[0] & 0xf0) == 0x60 ? 0x86 : 0x08);
        header[13] = (byte)((ip.bytes()[0] & 0xf0) == 0x60 ? 0xdd : 0x00);
        return header;
    }
}
