package org.pipesfs.filters.expr;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Port names from {@code /etc/services}, the table tcpdump's {@code port http} reads through
 * {@code getservbyname}: each line {@code NAME PORT/PROTOCOL [ALIASES...]}, aliases counting as
 * names. Read once, when the first name is compiled.
 */
final class Services
{
    private static final Path FILE = Path.of("/etc/services");
    private static volatile Map<String, Integer> ports;

    private Services()
    {
    }

    /** The port {@code name} has over {@code protocol} ("tcp" or "udp"), or -1 if none. */
    static int port(final String name, final String protocol)
    {
        return table().getOrDefault(name + "/" + protocol, -1);
    }

    private static Map<String, Integer> table()
    {
        Map<String, Integer> table = ports;
        if (table == null)
        {
            table = read();
            ports = table;
        }
        return table;
    }

    private static Map<String, Integer> read()
    {
        final Map<String, Integer> table = new HashMap<>();
        try
        {
            for (final String raw : Files.readAllLines(FILE))
            {
                final int hash = raw.indexOf('#');
                final String[] fields = (hash < 0 ? raw : raw.substring(0, hash)).trim().split("\\s+");
                if (fields.length < 2 || fields[1].indexOf('/') <= 0)
                {
                    continue;
                }
                final String[] portAndProtocol = fields[1].split("/");
                final int port;
                try
                {
                    port = Integer.parseInt(portAndProtocol[0]);
                }
                catch (final NumberFormatException ex)
                {
                    continue;
                }
                for (int i = 0; i < fields.length; i++)
                {
                    if (i != 1)
                    {
                        table.putIfAbsent(fields[i] + "/" + portAndProtocol[1], port); // the first line for a name wins, as in getservbyname
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            // no /etc/services: no names, and every name is refused with that reason
        }
        return table;
    }
}
