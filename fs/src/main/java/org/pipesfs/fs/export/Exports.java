package org.pipesfs.fs.export;

import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The export nodes of a mount: a {@link KafkaExport} for every node named
 * {@code kafka=TOPIC[@HOST:PORT,...]}, to the cluster it names or the mount's {@code --kafka}.
 * After every change to the graph {@link #sync} starts the exports of new or renamed nodes and
 * ends those of nodes gone or renamed away.
 *
 * <p>Thread rule: {@link #sync} and {@link #close} are serialised by this
 * object's monitor; {@link #stats} may run on any thread.
 */
public final class Exports implements AutoCloseable
{
    public static final String KAFKA = "kafka=";

    private final NodeGraph graph;
    private final String mountName;
    private final String defaultBootstrap;
    private final boolean lossless;
    private final Map<Node, KafkaExport> running = new HashMap<>();
    private volatile Map<Node, KafkaExport> published = Map.of();

    /**
     * @param mountName the host and mount point: with a node's path it names the node's
     *        transactional producer, the same again when the mount is restarted
     * @param defaultBootstrap the mount's {@code --kafka}, or null
     */
    public Exports(final NodeGraph graph, final String mountName, final String defaultBootstrap, final BufferPolicy policy)
    {
        this.graph = graph;
        this.mountName = mountName;
        this.defaultBootstrap = defaultBootstrap;
        this.lossless = policy == BufferPolicy.LOSSLESS;
    }

    /** Why a node may not have this name (an export to no cluster, naming the fix), or null. */
    public String problemWith(final String name)
    {
        return name.startsWith(KAFKA) && name.indexOf('@') < 0 && defaultBootstrap == null
            ? "'" + name + "' names no cluster: mount with --kafka HOST:PORT, or make " + name + "@HOST:PORT"
            : null;
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
            if (node.name().startsWith(KAFKA)) // such a name is always a filter, never a user node
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
                final String value = node.getValue().substring(KAFKA.length());
                final int at = value.indexOf('@');
                final String bootstrap = at < 0 ? defaultBootstrap : value.substring(at + 1);
                if (bootstrap != null)
                {
                    running.put(node.getKey(), new KafkaExport(node.getValue(), "pipesfs:" + mountName + node.getKey().path(),
                        graph.openReader(node.getKey()),
                        at < 0 ? value : value.substring(0, at), bootstrap, lossless));
                }
            }
        }
        published = Map.copyOf(running);
    }

    /** The export's {@code .stats} lines for {@code node}, or "" if it exports nothing. */
    public String stats(final Node node)
    {
        final KafkaExport export = published.get(node);
        return export == null ? "" : export.stats();
    }

    /** Elements the export of {@code node} lost beyond its ring's laps; 0 if it exports nothing. */
    public long refused(final Node node)
    {
        final KafkaExport export = published.get(node);
        return export == null ? 0 : export.refused();
    }

    /** Ends every export, waiting for what lossless ones have sent to be acknowledged. */
    public synchronized void close()
    {
        running.values().forEach(KafkaExport::close);
        running.clear();
        published = Map.of();
    }
}
