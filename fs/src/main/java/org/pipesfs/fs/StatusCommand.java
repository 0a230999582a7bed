package org.pipesfs.fs;

import org.pipesfs.fs.os.MountPoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code pipesfs status MOUNTPOINT}: one screen about a mount, read from its own files as any
 * user could: the source and its state from the root {@code .stats}, the busiest nodes by
 * elements a second, and the readers from {@code .readers} with the one furthest behind.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a mount's source, rates, busiest nodes and readers.")
final class StatusCommand implements Callable<Integer>
{
    private static final int BUSIEST = 8;
    private static final int READERS = 10;

    @Parameters(paramLabel = "MOUNTPOINT")
    Path mountPoint;

    private record NodeRow(String path, Map<String, String> stats)
    {
        long get(final String key)
        {
            return Long.parseLong(stats.getOrDefault(key, "0"));
        }
    }

    public Integer call() throws IOException
    {
        final Path dir = mountPoint.toAbsolutePath().normalize();
        if (!MountPoints.isFuseMount(dir) || !Files.exists(dir.resolve(".readers")))
        {
            System.err.println("pipesfs: " + dir + " is not a PipesFS mount");
            return 1;
        }
        final Map<String, String> root = stats(dir.resolve(".stats"));
        final StringBuilder out = new StringBuilder();
        out.append("PipesFS on ").append(dir).append('\n')
            .append(String.format(Locale.ROOT, "source   %s, %s, %s%n", root.get("source"), root.get("state"), root.get("policy")))
            .append(String.format(Locale.ROOT, "         %s packets, %s; at the root %s elements/s, %s/s%n",
                root.get("packets"), bytes(root.get("bytes")), root.get("elements_per_s"), bytes(root.get("bytes_per_s"))))
            .append(String.format(Locale.ROOT, "memory   %s used of %s%n", bytes(root.get("memory_used")), bytes(root.get("memory_budget"))));
        if (root.containsKey("problem"))
        {
            out.append("problem  ").append(root.get("problem")).append('\n');
        }
        final List<NodeRow> nodes = new ArrayList<>();
        for (final Path node : MountPoints.nodesOf(dir, Integer.MAX_VALUE))
        {
            nodes.add(new NodeRow("/" + dir.relativize(node), stats(node.resolve(".stats"))));
        }
        nodes.sort(Comparator.comparingLong((NodeRow n) -> n.get("elements_per_s")).thenComparingLong(n -> n.get("elements_out")).reversed());
        out.append(String.format(Locale.ROOT, "%nbusiest of %d nodes%n  %-32s %12s %10s %12s %7s %9s%n", nodes.size(),
            "node", "elements/s", "bytes/s", "kept", "readers", "dropped"));
        for (final NodeRow node : nodes.subList(0, Math.min(BUSIEST, nodes.size())))
        {
            out.append(String.format(Locale.ROOT, "  %-32s %12d %10s %12d %7d %9d%n", node.path(), node.get("elements_per_s"),
                bytes(Long.toString(node.get("bytes_per_s"))), node.get("elements_out"), node.get("readers"), node.get("dropped")));
        }
        final List<String[]> readers = new ArrayList<>();
        final List<String> table = Files.readAllLines(dir.resolve(".readers"));
        for (final String line : table.subList(Math.min(1, table.size()), table.size()))
        {
            final String[] f = line.split(" ");
            if (f.length == 7)
            {
                readers.add(f);
            }
        }
        out.append(String.format(Locale.ROOT, "%nreaders  %d%n", readers.size()));
        for (final String[] r : readers.subList(0, Math.min(READERS, readers.size())))
        {
            out.append(String.format(Locale.ROOT, "  pid %-7s %-12s %s/%s  %s behind, %s dropped%s%n", r[0], r[1], r[2].equals("/") ? "" : r[2],
                r[3], r[4], r[5], r[6].equals("holding") ? ", holding the source" : ""));
        }
        readers.stream().max(Comparator.comparingLong(r -> Long.parseLong(r[4]))).ifPresent(r -> out.append(String.format(Locale.ROOT,
            "slowest  pid %s (%s) reading %s/%s, %s elements behind%n", r[0], r[1], r[2].equals("/") ? "" : r[2], r[3], r[4])));
        System.out.print(out);
        return 0;
    }

    private static Map<String, String> stats(final Path file) throws IOException
    {
        final Map<String, String> values = new HashMap<>();
        for (final String line : Files.readAllLines(file))
        {
            final int space = line.indexOf(' ');
            if (space > 0)
            {
                values.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        return values;
    }

    /** A byte count as people read it: 1536 is 1.5 KiB. */
    private static String bytes(final String count)
    {
        double value = count == null ? 0 : Double.parseDouble(count);
        final String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? String.format(Locale.ROOT, "%.0f B", value) : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
