package org.pipesfs.examples;

import org.pipesfs.filters.Filter;
import org.pipesfs.filters.FilterPlugin;
import org.pipesfs.filters.decode.PacketView;

/**
 * An example filter plugin: {@code mkdir /pipes/ip/tcp/syn} keeps connection attempts, TCP
 * segments with SYN set and ACK clear. Put this jar on the classpath
 * ({@code PIPESFS_PLUGINS=examples/target/pipesfs-examples-0.1.0.jar ./pipesfs mount ...});
 * its {@code META-INF/services} entry registers it.
 */
public final class SynFilterPlugin implements FilterPlugin
{
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;

    public Filter create(final String name)
    {
        return "syn".equals(name) ? new Syn() : null;
    }

    /** The filter itself: stateless, allocation-free, run once per element on the producer thread. */
    record Syn() implements Filter
    {
        public String spec()
        {
            return "syn";
        }

        public boolean accept(final PacketView packet)
        {
            return packet.protocol() == PacketView.PROTO_TCP && (packet.tcpFlags() & (SYN | ACK)) == SYN;
        }

        public View view()
        {
            return View.TRANSPORT;
        }
    }
}
