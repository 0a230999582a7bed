package org.pipesfs.fs;

import org.pipesfs.fs.os.MountPoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code pipesfs extcap}: Wireshark's extcap protocol, so that every node of every mounted
 * PipesFS is a capture interface in Wireshark and tshark. An interface's value is
 * {@code pipesfs:} and the node's directory. {@code --extcap-interfaces} lists them (from
 * {@code /proc/self/mounts}, type {@code fuse.pipesfs}); {@code --extcap-config} offers a
 * pcap-filter field, which becomes an {@code expr=} node under the chosen one for the capture
 * and goes away with it; {@code --capture} copies the node's {@code all.pcap} into
 * {@code --fifo} until the stream ends, Wireshark closes the fifo, or stops this process.
 */
@Command(name = "extcap", description = "Wireshark's extcap interface: the mounted nodes as capture interfaces.")
final class ExtcapCommand implements Callable<Integer>
{
    static final String PREFIX = "pipesfs:";
    /** Nodes listed per mount at most: a stream node can make thousands of flow classes. */
    private static final int MAX_NODES = 2_000;
    private static final long PARENT_CHECK_MS = 200;

    @Option(names = "--extcap-interfaces", description = "list the nodes of every PipesFS mount")
    boolean interfaces;

    @Option(names = "--extcap-interface", paramLabel = "INTERFACE", description = "the node: pipesfs:DIRECTORY")
    String iface;

    @Option(names = "--extcap-dlts", description = "the link type of INTERFACE")
    boolean dlts;

    @Option(names = "--extcap-config", description = "the options a capture takes")
    boolean config;

    @Option(names = "--capture", description = "capture INTERFACE into --fifo")
    boolean capture;

    @Option(names = "--fifo", paramLabel = "PATH", description = "where Wireshark reads the capture")
    Path fifo;

    @Option(names = "--filter", paramLabel = "EXPRESSION", description = "a pcap-filter expression: an expr= node for the capture")
    String filter;

    @Option(names = "--node", paramLabel = "PATH", description = "another node of the same mount to capture from, e.g. /ip/udp")
    String node;

    /** Wireshark's other arguments ({@code --extcap-version}, {@code --extcap-capture-filter}, ...) are not needed. */
    @Unmatched
    List<String> others = new ArrayList<>();

    public Integer call() throws Exception
    {
        if (interfaces)
        {
            System.out.print(interfaceList());
            return 0;
        }
        if (dlts)
        {
            System.out.println("dlt {number=1}{name=EN10MB}{display=Ethernet}");
            return 0;
        }
        if (config)
        {
            System.out.print(configuration());
            return 0;
        }
        if (capture && iface != null && iface.startsWith(PREFIX) && fifo != null)
        {
            final Path chosen = Path.of(iface.substring(PREFIX.length()));
            final Path mount = MountPoints.pipesFsMountOf(chosen);
            return capture(node == null || node.isBlank() || mount == null ? chosen : mount.resolve(node.replaceFirst("^/+", "")));
        }
        System.err.println("pipesfs extcap: use --extcap-interfaces, --extcap-dlts, --extcap-config or --capture with "
            + "--extcap-interface pipesfs:DIRECTORY --fifo PATH");
        return 2;
    }

    private static String interfaceList() throws IOException
    {
        final StringBuilder out = new StringBuilder("extcap {version=0.1.0}{display=PipesFS nodes}\n");
        for (final Path mount : MountPoints.pipesFsMounts())
        {
            for (final Path node : MountPoints.nodesOf(mount, MAX_NODES))
            {
                final String path = "/" + mount.relativize(node);
                out.append("interface {value=").append(PREFIX).append(node).append("}{display=PipesFS ")
                    .append(path.equals("/") ? "root" : path).append(" on ").append(mount).append("}\n");
            }
        }
        return out.toString();
    }

    /** The filter field, and the nodes of the interface's mount to choose from (its own by default). */
    private String configuration() throws IOException
    {
        final StringBuilder out = new StringBuilder("arg {number=0}{call=--filter}{display=Filter}{type=string}"
            + "{tooltip=pcap-filter expression; captures from an expr= node made under the node}\n"
            + "arg {number=1}{call=--node}{display=Node}{type=selector}{tooltip=the node to capture from}\n");
        final Path chosen = iface != null && iface.startsWith(PREFIX) ? Path.of(iface.substring(PREFIX.length())) : null;
        final Path mount = chosen == null ? null : MountPoints.pipesFsMountOf(chosen);
        if (mount != null)
        {
            for (final Path node : MountPoints.nodesOf(mount, MAX_NODES))
            {
                final String path = "/" + mount.relativize(node);
                out.append("value {arg=1}{value=").append(path).append("}{display=").append(path).append('}')
                    .append(node.equals(chosen) ? "{default=true}" : "").append('\n');
            }
        }
        return out.toString();
    }

    private int capture(final Path chosen) throws IOException
    {
        Path from = chosen;
        boolean made = false;
        if (filter != null && !filter.isBlank())
        {
            from = chosen.resolve("expr=" + filter.strip());
            if (!Files.isDirectory(from))
            {
                Files.createDirectory(from); // an invalid expression fails here, with the reason in .log
                made = true;
            }
        }
        final Path madeNode = made ? from : null;
        final Thread cleanup = new Thread(() -> removeQuietly(madeNode), "pipesfs-extcap-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // Wireshark ends a capture with SIGTERM
        endWithParent();
        try (InputStream in = Files.newInputStream(from.resolve("all.pcap"));
             OutputStream out = Files.newOutputStream(fifo))
        {
            final byte[] buffer = new byte[1 << 20];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer))
            {
                out.write(buffer, 0, n);
                out.flush();
            }
        }
        catch (final IOException ex)
        {
            // Wireshark closed the fifo: the capture is over
        }
        return 0;
    }

    /**
     * Ends this process when Wireshark or tshark goes: a capture of an idle node sits in a read
     * and would never write to the closed fifo to learn it is gone.
     */
    private static void endWithParent()
    {
        final ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        final Thread watch = new Thread(() ->
        {
            while (parent != null && parent.isAlive())
            {
                try
                {
                    Thread.sleep(PARENT_CHECK_MS);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
            System.exit(0);
        }, "pipesfs-extcap-parent");
        watch.setDaemon(true);
        watch.start();
    }

    private static void removeQuietly(final Path node)
    {
        if (node != null)
        {
            try
            {
                Files.deleteIfExists(node);
            }
            catch (final IOException ex)
            {
                System.err.println("pipesfs extcap: could not remove " + node + ": " + ex.getMessage());
            }
        }
    }
}
