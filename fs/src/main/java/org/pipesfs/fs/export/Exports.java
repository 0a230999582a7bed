package org.pipesfs.fs.export;

import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.nic.transmit.PacketSender;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The export nodes of a mount: a {@link KafkaExport} for every node named
 * {@code kafka=TOPIC[@HOST:PORT,...]}, to the cluster it names or the mount's {@code --kafka},
 * and an {@link InterfaceTransmit} for every node named {@code tx=IFACE}. After every change
 * to the graph {@link #sync} starts the exports of new or renamed nodes and ends those of nodes
 * gone or renamed away.
 *
 * <p>Thread rule: {@link #sync} and {@link #close} are serialised by this
 * object's monitor; {@link #stats} may run on any thread.
 */
public final class Exports implements AutoCloseable
{
    public static final String KAFKA = "kafka=";
    public static final String TRANSMIT = "tx=";

    /** Why a node may not have a name, and the errno class of the refusal. */
    public record Objection(Kind kind, String reason)
    {
        public enum Kind
        {
            INVALID, LOOP, NO_DEVICE, NOT_PERMITTED
        }
    }

    private final NodeGraph graph;
    private final String mountName;
    private final String defaultBootstrap;
    private final String captureInterface;
    private final boolean lossless;
    private final Map<Node, Export> running = new HashMap<>();
    private volatile Map<Node, Export> published = Map.of();

    /**
     * @param mountName the host and mount point: with a node's path it names the node's
     *        transactional producer, the same again when the mount is restarted
     * @param defaultBootstrap the mount's {@code --kafka}, or null
     * @param captureInterface the interface the live source captures from, or null
     */
    public Exports(
        final NodeGraph graph, final String mountName, final String defaultBootstrap, final String captureInterface,
        final BufferPolicy policy)
    {
        this.graph = graph;
        this.mountName = mountName;
        this.defaultBootstrap = defaultBootstrap;
        this.captureInterface = captureInterface;
        this.lossless = policy == BufferPolicy.LOSSLESS;
    }

    /** True for the names of nodes that send what reaches them onto an interface. */
    public static boolean isTransmit(final String name)
    {
        return name.startsWith(TRANSMIT);
    }

    /**
     * Why a node may not have this name, or null. An export to no cluster names the fix; a
     * transmit needs a caller allowed raw sockets, an interface that exists, and one the live
     * source does not capture from, or every frame sent would come back in.
     *
     * @param callerMayTransmit whether the caller holds CAP_NET_RAW; asked only for {@code tx=} names
     */
    public Objection objectionTo(final String name, final BooleanSupplier callerMayTransmit)
    {
        if (name.startsWith(KAFKA) && name.indexOf('@') < 0 && defaultBootstrap == null)
        {
            return new Objection(Objection.Kind.INVALID,
                "'" + name + "' names no cluster: mount with --kafka HOST:PORT, or make " + name + "@HOST:PORT");
        }
        if (!isTransmit(name))
        {
            return null;
        }
        final String iface = name.substring(TRANSMIT.length());
        if (!callerMayTransmit.getAsBoolean())
        {
            return new Objection(Objection.Kind.NOT_PERMITTED, "'" + name + "': sending frames needs CAP_NET_RAW");
        }
        if (!PacketSender.interfaceExists(iface))
        {
            return new Objection(Objection.Kind.NO_DEVICE, "'" + name + "': no such interface '" + iface + "'");
        }
        if (iface.equals(captureInterface))
        {
            return new Objection(Objection.Kind.LOOP, "'" + name + "': the live source captures from " + iface
                + ", so every frame sent would come back into the graph");
        }
        return null;
    }

    /** Matches the running exports to the graph's export nodes. */
    public synchronized void sync()
    {
        final Map<Node, String> wanted = new HashMap<>();
        final ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.add(graph.root());
        while (!todo.isEmpty())
        {
            final Node node = todo.poll();
            if (node.name().startsWith(KAFKA) || isTransmit(node.name())) // such a name is always a filter, never a user node
            {
                wanted.put(node, node.name());
            }
            for (final Node child : node.children())
            {
                todo.add(child);
            }
        }
        running.entrySet().removeIf(entry ->
        {
            final boolean keep = entry.getValue().spec().equals(wanted.get(entry.getKey()));
            if (!keep)
            {
                entry.getValue().close();
            }
            return !keep;
        });
        for (final Map.Entry<Node, String> node : wanted.entrySet())
        {
            if (!running.containsKey(node.getKey()))
            {
                final Export export = start(node.getKey(), node.getValue());
                if (export != null)
                {
                    running.put(node.getKey(), export);
                }
            }
        }
        published = Map.copyOf(running);
    }

    private Export start(final Node node, final String name)
    {
        if (isTransmit(name))
        {
            return new InterfaceTransmit(name, graph.openReader(node), name.substring(TRANSMIT.length()), lossless);
        }
        final String value = name.substring(KAFKA.length());
        final int at = value.indexOf('@');
        final String bootstrap = at < 0 ? defaultBootstrap : value.substring(at + 1);
        return bootstrap == null ? null : new KafkaExport(name, "pipesfs:" + mountName + node.path(),
            graph.openReader(node), at < 0 ? value : value.substring(0, at), bootstrap, lossless);
    }

    /** The export's {@code .stats} lines for {@code node}, or "" if it exports nothing. */
    public String stats(final Node node)
    {
        final Export export = published.get(node);
        return export == null ? "" : export.stats();
    }

    /** Elements the export of {@code node} lost beyond its ring's laps; 0 if it exports nothing. */
    public long lost(final Node node)
    {
        final Export export = published.get(node);
        return export == null ? 0 : export.lost();
    }

    /** Ends every export, waiting for what lossless ones have sent to be acknowledged. */
    public synchronized void close()
    {
        running.values().forEach(Export::close);
        running.clear();
        published = Map.of();
    }
}
