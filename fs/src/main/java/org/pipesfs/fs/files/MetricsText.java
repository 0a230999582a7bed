package org.pipesfs.fs.files;

import org.pipesfs.filters.MemoryBudget;
import org.pipesfs.filters.Node;
import org.pipesfs.fs.export.Exports;
import org.pipesfs.nic.FrameSource;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Renders the root's {@code .metrics}: every node's {@code .stats} counters, and the source's,
 * in the Prometheus text exposition format (version 0.0.4), so node_exporter's textfile
 * collector or any scraper reads the mount. Each node is one {@code path} label value, escaped
 * as the format asks (backslash, double quote, line feed); each metric family is written once,
 * with its HELP and TYPE, all nodes' samples together. Counters end in {@code _total}. The
 * values are the ones {@code .stats} shows at the same moment.
 */
final class MetricsText
{
    private MetricsText()
    {
    }

    static String render(
        final Node root, final NodeRates rates, final SourcePump pump, final MemoryBudget budget, final Exports exports)
    {
        final List<Node> nodes = new ArrayList<>();
        collect(root, nodes);
        final Map<Node, long[]> nodeRates = new IdentityHashMap<>();
        for (final Node node : nodes)
        {
            nodeRates.put(node, rates.of(node));
        }
        final StringBuilder text = new StringBuilder(4096);
        family(text, "pipesfs_node_elements_in_total", "counter", "Elements offered to the node by its parent, links and writes.",
            nodes, Node::elementsIn);
        family(text, "pipesfs_node_elements_out_total", "counter", "Elements the node kept (its stream).", nodes, Node::elementsOut);
        family(text, "pipesfs_node_bytes_out_total", "counter", "Bytes of the elements the node kept.", nodes, Node::bytesOut);
        family(text, "pipesfs_node_elements_per_second", "gauge", "Elements kept over the last second.",
            nodes, node -> nodeRates.get(node)[0]);
        family(text, "pipesfs_node_bytes_per_second", "gauge", "Bytes kept over the last second.",
            nodes, node -> nodeRates.get(node)[1]);
        family(text, "pipesfs_node_readers", "gauge", "Open readers of the node's files.", nodes, node -> node.output().readerCount());
        family(text, "pipesfs_node_dropped_total", "counter", "Elements the node's readers or export lost.",
            nodes, node -> node.output().dropped() + exports.lost(node));
        family(text, "pipesfs_node_writers", "gauge", "Open writers of the node's files.", nodes, Node::writers);
        family(text, "pipesfs_node_classes_refused_total", "counter", "Classes a classifier did not make (limit reached).",
            nodes, Node::classesRefused);
        exportFamilies(text, nodes, exports);
        source(text, pump.source(), pump, budget, root);
        return text.toString();
    }

    private static void collect(final Node node, final List<Node> nodes)
    {
        nodes.add(node);
        for (final Node child : node.children())
        {
            collect(child, nodes);
        }
    }

    private static void family(
        final StringBuilder text, final String name, final String type, final String help, final List<Node> nodes,
        final ToLongFunction<Node> value)
    {
        header(text, name, type, help);
        for (final Node node : nodes)
        {
            text.append(name).append("{path=\"");
            label(text, node.path());
            text.append("\"} ").append(value.applyAsLong(node)).append('\n');
        }
    }

    /** An export node's numeric {@code .stats} lines ({@code sent}, {@code acked}, {@code bytes_sent}, ...). */
    private static void exportFamilies(final StringBuilder text, final List<Node> nodes, final Exports exports)
    {
        final Map<String, StringBuilder> families = new LinkedHashMap<>();
        for (final Node node : nodes)
        {
            for (final String line : exports.stats(node).split("\n"))
            {
                final int space = line.indexOf(' ');
                if (space <= 0 || !line.substring(space + 1).matches("-?[0-9]+"))
                {
                    continue;
                }
                final String key = line.substring(0, space);
                final StringBuilder samples = families.computeIfAbsent(key, k -> new StringBuilder());
                samples.append(exportName(key)).append("{path=\"");
                label(samples, node.path());
                samples.append("\"} ").append(line, space + 1, line.length()).append('\n');
            }
        }
        for (final Map.Entry<String, StringBuilder> family : families.entrySet())
        {
            final boolean gauge = family.getKey().equals("in_flight");
            header(text, exportName(family.getKey()), gauge ? "gauge" : "counter",
                "The export node's " + family.getKey() + " (see .stats).");
            text.append(family.getValue());
        }
    }

    private static String exportName(final String key)
    {
        return "pipesfs_export_" + key + (key.equals("in_flight") ? "" : "_total");
    }

    private static void source(
        final StringBuilder text, final FrameSource source, final SourcePump pump, final MemoryBudget budget, final Node root)
    {
        header(text, "pipesfs_source_info", "gauge", "The source, its state and the buffer policy, as labels; always 1.");
        text.append("pipesfs_source_info{source=\"");
        label(text, source.describe());
        text.append("\",state=\"").append(pump.state().label()).append("\",policy=\"")
            .append(root.output().policy().name().toLowerCase(Locale.ROOT)).append("\"} 1\n");
        single(text, "pipesfs_source_packets_total", "counter", "Frames the source produced.", source.packets());
        single(text, "pipesfs_source_bytes_total", "counter", "Frame bytes the source produced.", source.bytes());
        single(text, "pipesfs_memory_budget_bytes", "gauge", "The mount's memory budget.", budget.limit());
        single(text, "pipesfs_memory_used_bytes", "gauge", "Memory the mount's buffers use.", budget.used());
        if (source.progress() >= 0)
        {
            header(text, "pipesfs_source_progress_ratio", "gauge", "Fraction of a finite source produced, 0 to 1.");
            text.append("pipesfs_source_progress_ratio ").append(String.format(Locale.ROOT, "%.4f", source.progress())).append('\n');
        }
        if (source.lag() >= 0)
        {
            single(text, "pipesfs_source_consumer_lag", "gauge", "Records the Kafka source has yet to read.", source.lag());
        }
        if (source.kernelDropped() >= 0)
        {
            single(text, "pipesfs_source_kernel_dropped_total", "counter", "Frames the kernel dropped before capture.",
                source.kernelDropped());
        }
        single(text, "pipesfs_source_truncated_records_total", "counter", "Records captured shorter than on the wire.",
            source.truncatedRecords());
    }

    private static void single(final StringBuilder text, final String name, final String type, final String help, final long value)
    {
        header(text, name, type, help);
        text.append(name).append(' ').append(value).append('\n');
    }

    private static void header(final StringBuilder text, final String name, final String type, final String help)
    {
        text.append("# HELP ").append(name).append(' ').append(help).append('\n')
            .append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** A label value as the exposition format escapes it. */
    private static void label(final StringBuilder text, final String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '\\' -> text.append("\\\\");
                case '"' -> text.append("\\\"");
                case '\n' -> text.append("\\n");
                default -> text.append(c);
            }
        }
    }
}
