package org.pipesfs.filters;

import org.pipesfs.filters.decode.PacketView;

import java.nio.charset.StandardCharsets;

/**
 * {@code http}: accepts TCP payloads that begin an HTTP/1.x request ({@code METHOD SP}) or
 * response ({@code HTTP/1.}), shows the payload, and sorts them into class nodes named after
 * the method in lower case ({@code get}, {@code post}, ...) or {@code response}.
 */
public final class HttpClassifier implements Filter.Classifier
{
    static final String RESPONSE = "response";
    private static final byte[][] METHODS = new byte[Filters.METHODS.size()][];
    private static final String[] CLASS_NAMES = new String[Filters.METHODS.size()];
    private static final byte[] HTTP_VERSION = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    static
    {
        int i = 0;
        for (final String method : Filters.METHODS)
        {
            CLASS_NAMES[i] = method;
            METHODS[i++] = (method.toUpperCase(java.util.Locale.ROOT) + " ").getBytes(StandardCharsets.US_ASCII);
        }
    }

    public String spec()
    {
        return "http";
    }

    public View view()
    {
        return View.PAYLOAD;
    }

    /** Flows remembered under {@code stream}: the class of each one's current message. */
    private static final int FLOW_SLOTS = 1 << 14;
    private long[] flowIds;
    private String[] flowClasses;

    public boolean accept(final PacketView packet)
    {
        return classify(packet) != null;
    }

    public String classify(final PacketView packet)
    {
        if (!isTcpOrWritten(packet) || packet.payloadLength() == 0)
        {
            return null;
        }
        final String className = messageStart(packet);
        final long flow = packet.flow();
        if (flow < 0)
        {
            return className;
        }
        // Under stream: a piece that does not start a message continues the flow's last one,
        // so a request split over segments stays whole in its class.
        if (flowClasses == null)
        {
            flowIds = new long[FLOW_SLOTS];
            flowClasses = new String[FLOW_SLOTS];
            java.util.Arrays.fill(flowIds, -1);
        }
        final int slot = (int)(flow & (FLOW_SLOTS - 1));
        if (className != null)
        {
            flowIds[slot] = flow;
            flowClasses[slot] = className;
            return className;
        }
        return flowIds[slot] == flow ? flowClasses[slot] : null;
    }

    private static String messageStart(final PacketView packet)
    {
        final int payload = packet.payloadOffset();
        if (startsWith(packet, payload, HTTP_VERSION))
        {
            return RESPONSE;
        }
        for (int i = 0; i < METHODS.length; i++)
        {
            if (startsWith(packet, payload, METHODS[i]))
            {
                return CLASS_NAMES[i];
            }
        }
        return null;
    }

    public Filter classFilter(final String className)
    {
        return RESPONSE.equals(className) ? new Response() : new Method(className);
    }

    public boolean isClass(final String name)
    {
        return RESPONSE.equals(name) || Filters.METHODS.contains(name);
    }

    /** TCP payloads, and written text elements (so {@code grep > node/all} can be classified). */
    static boolean isTcpOrWritten(final PacketView packet)
    {
        return packet.protocol() == PacketView.PROTO_TCP || packet.isPayloadOnly();
    }

    static boolean startsWith(final PacketView packet, final int offset, final byte[] prefix)
    {
        if (offset < 0 || packet.payloadLength() < prefix.length || !packet.fits(offset, prefix.length))
        {
            return false;
        }
        for (int i = 0; i < prefix.length; i++)
        {
            if (packet.u8(offset + i) != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    /** {@code get}, {@code post}, ...: TCP payloads that start with that request method. */
    public record Method(String spec, byte[] prefix) implements Filter
    {
        public Method(final String spec)
        {
            this(spec, (spec.toUpperCase(java.util.Locale.ROOT) + " ").getBytes(StandardCharsets.US_ASCII));
        }

        public boolean accept(final PacketView packet)
        {
            return isTcpOrWritten(packet) && startsWith(packet, packet.payloadOffset(), prefix);
        }

        public View view()
        {
            return View.PAYLOAD;
        }
    }

    /** {@code response} under {@code http}: payloads that start with a status line. */
    public record Response() implements Filter
    {
        public String spec()
        {
            return RESPONSE;
        }

        public boolean accept(final PacketView packet)
        {
            return isTcpOrWritten(packet) && startsWith(packet, packet.payloadOffset(), HTTP_VERSION);
        }

        public View view()
        {
            return View.PAYLOAD;
        }
    }
}
