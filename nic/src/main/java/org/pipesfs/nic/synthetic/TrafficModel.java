package org.pipesfs.nic.synthetic;

import java.nio.charset.StandardCharsets;

/**
 * The fixed vocabulary the synthetic generator draws from: hosts, paths, methods, response
 * lines and the addresses behind them. Encoded once at class load so that generating a frame
 * never allocates.
 */
final class TrafficModel
{
    static final String[] HOST_NAMES = {
        "example.com", "www.pipesfs.org", "api.example.net", "cdn.example.org",
        "intranet.example", "mail.example.com", "news.example.net", "shop.example.org",
    };
    static final byte[][] HOSTS = ascii(HOST_NAMES);
    /** DNS wire-format names of {@link #HOST_NAMES}. */
    static final byte[][] DNS_NAMES = dnsNames(HOST_NAMES);
    static final int[] SERVER_V4 = {
        0xc0000201, 0xc0000202, 0xc6336410, 0xc6336411, 0xcb007105, 0xcb007106, 0xc0000203, 0xcb007107,
    };
    /** Low 64 bits of 2001:db8::/64 server addresses, one per host. */
    static final long SERVER_V6_HI = 0x20010db800000000L;
    static final long[] SERVER_V6_LO = {0x10L, 0x11L, 0x12L, 0x13L, 0x14L, 0x15L, 0x16L, 0x17L};
    static final long CLIENT_V6_HI = 0xfd00000000000001L;
    static final int DNS_SERVER_V4 = 0x0a000035;
    static final long DNS_SERVER_V6_LO = 0x53L;

    static final byte[][] PATHS = ascii(new String[] {
        "/", "/index.html", "/api/v1/items?id=42", "/images/logo.png", "/search?q=pipes+and+filters",
        "/static/app.js", "/../../etc/passwd", "/docs/../admin/config", "/login", "/cart/checkout",
    });
    static final byte[][] METHODS = ascii(new String[] {"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS"});
    /** Cumulative weights out of 100 for {@link #METHODS}: GET dominates, as on the wire. */
    static final int[] METHOD_WEIGHTS = {70, 85, 90, 95, 98, 100};
    static final byte[][] STATUS_LINES = ascii(new String[] {
        "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 301 Moved Permanently", "HTTP/1.1 500 Internal Server Error",
    });
    static final byte[] HTTP_VERSION = ascii(" HTTP/1.1\r\nHost: ");
    static final byte[] USER_AGENT = ascii("\r\nUser-Agent: curl/8.5.0\r\nAccept: */*");
    static final byte[] CONTENT_TYPE_FORM = ascii("\r\nContent-Type: application/x-www-form-urlencoded");
    static final byte[] CONTENT_LENGTH = ascii("\r\nContent-Length: ");
    static final byte[] SERVER_HEADERS = ascii("\r\nServer: pipesfs-synth\r\nContent-Type: text/html");
    static final byte[] CRLF = ascii("\r\n");
    static final byte[] END_OF_HEADERS = ascii("\r\n\r\n");
    static final byte[] FORM_BODY = ascii("user=alice&item=1234&qty=2&note=pipes+and+filters\n");
    static final byte[] HTML = ascii(
        "<html><head><title>PipesFS synthetic page</title></head><body><p>Packets as files, filters as "
        + "directories. Every byte here was generated deterministically from the seed.</p></body></html>\n");
    static final byte[] ICMP_PATTERN = ascii("!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOP");

    private TrafficModel()
    {
    }

    static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[][] ascii(final String[] strings)
    {
        final byte[][] out = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++)
        {
            out[i] = ascii(strings[i]);
        }
        return out;
    }

    private static byte[][] dnsNames(final String[] names)
    {
        final byte[][] out = new byte[names.length][];
        for (int i = 0; i < names.length; i++)
        {
            final String[] labels = names[i].split("\\.");
            int length = 1;
            for (final String label : labels)
            {
                length += 1 + label.length();
            }
            final byte[] wire = new byte[length];
            int at = 0;
            for (final String label : labels)
            {
                wire[at++] = (byte)label.length();
                for (int c = 0; c < label.length(); c++)
                {
                    wire[at++] = (byte)label.charAt(c);
                }
            }
            out[i] = wire;
        }
        return out;
    }
}
