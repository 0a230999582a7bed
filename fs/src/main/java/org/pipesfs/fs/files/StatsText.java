package org.pipesfs.fs.files;

import org.pipesfs.buffers.IndexBuffer;
import org.pipesfs.filters.MemoryBudget;
import org.pipesfs.filters.Node;
import org.pipesfs.fs.export.Exports;
import org.pipesfs.nic.FrameSource;

/**
 * Renders a node's {@code .stats}: {@code key value} lines, one counter per line. A value runs
 * to the end of its line, with newlines, tabs and backslashes escaped ({@link OctalEscape}).
 */
final class StatsText
{
    private StatsText()
    {
    }

    /**
     * @param rates {@code {elements, bytes}} a second over the last second ({@link NodeRates})
     * @param pump the source, for the root only; null elsewhere
     * @param exports for an export node's lines ({@code sent}, {@code acked}, ...)
     */
    static String render(final Node node, final long[] rates, final SourcePump pump, final MemoryBudget budget, final Exports exports)
    {
        final IndexBuffer out = node.output();
        final StringBuilder text = new StringBuilder(256)
            .append("filter ").append(OctalEscape.value(node.describe())).append('\n')
            .append("elements_in ").append(node.elementsIn()).append('\n')
            .append("elements_out ").append(node.elementsOut()).append('\n')
            .append("bytes_out ").append(node.bytesOut()).append('\n')
            .append("elements_per_s ").append(rates[0]).append('\n')
            .append("bytes_per_s ").append(rates[1]).append('\n')
            .append("readers ").append(out.readerCount()).append('\n')
            .append("dropped ").append(out.dropped() + exports.lost(node)).append('\n')
            .append("writers ").append(node.writers()).append('\n')
            .append(exports.stats(node));
        if (node.filter() instanceof org.pipesfs.filters.DecapFilter decap)
        {
            text.append("decapsulated ").append(decap.decapsulated()).append('\n')
                .append("malformed ").append(decap.malformed()).append('\n');
        }
        if (node.classesRefused() > 0)
        {
            text.append("classes_refused ").append(node.classesRefused()).append('\n');
        }
        if (pump != null)
        {
            final FrameSource source = pump.source();
            text.append("source ").append(OctalEscape.value(source.describe())).append('\n')
                .append("packets ").append(source.packets()).append('\n')
                .append("bytes ").append(source.bytes()).append('\n')
                .append("state ").append(pump.state().label()).append('\n')
                .append("policy ").append(out.policy().name().toLowerCase(java.util.Locale.ROOT)).append('\n')
                .append("memory_budget ").append(budget.limit()).append('\n')
                .append("memory_used ").append(budget.used()).append('\n');
            if (source.progress() >= 0)
            {
                text.append("progress ").append(String.format(java.util.Locale.ROOT, "%.4f", source.progress())).append('\n');
            }
            if (source.lag() >= 0)
            {
                text.append("consumer_lag ").append(source.lag()).append('\n');
            }
            if (source.kernelDropped() >= 0)
            {
                text.append("kernel_dropped ").append(source.kernelDropped()).append('\n');
            }
            if (source.truncatedRecords() > 0)
            {
                text.append("truncated_records ").append(source.truncatedRecords()).append('\n');
            }
            if (source.problem() != null)
            {
                text.append("problem ").append(OctalEscape.value(source.problem())).append('\n');
            }
        }
        return text.toString();
    }
}
