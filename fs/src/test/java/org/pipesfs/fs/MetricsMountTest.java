package org.pipesfs.fs;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The root's {@code .metrics}: valid for Prometheus's own checker, and the same numbers as every {@code .stats}. */
class MetricsMountTest
{
    private static final Path HTTP = Path.of("../../shared/captures/http.pcap").toAbsolutePath().normalize();
    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)\\{path=\"((?:[^\"\\\\]|\\\\.)*)\"\\} (-?\\d+)$");
    private static final Map<String, String> STATS_OF_METRIC = Map.of(
        "pipesfs_node_elements_in_total", "elements_in",
        "pipesfs_node_elements_out_total", "elements_out",
        "pipesfs_node_bytes_out_total", "bytes_out",
        "pipesfs_node_readers", "readers",
        "pipesfs_node_dropped_total", "dropped",
        "pipesfs_node_writers", "writers");

    @Test
    void metricsPassPromtoolAndEqualEveryNodesStats() throws Exception
    {
        final String odd = "odd \"quoted\" \\ back\tslash";
        try (FuseMount mount = FuseMount.start("--paused", "--source", "pcap:" + HTTP))
        {
            Files.createDirectory(mount.path("ip/tcp/stream"));
            Files.createDirectory(mount.path(odd));
            assertThat(Shell.run(10, "ln -s " + mount.path("ip/tcp") + " '" + mount.path(odd) + "/tcp'").exit()).isZero();
            final Process all = new ProcessBuilder("cat", mount.path("all.pcap").toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            final Process stream = new ProcessBuilder("cat", mount.path("ip/tcp/stream/all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            final Process user = new ProcessBuilder("cat", mount.path(odd + "/all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                mount.awaitReaders("", 1);
                mount.awaitReaders("ip/tcp/stream", 1);
                Files.writeString(mount.path(".ctl"), "start\n");
                assertThat(all.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(stream.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(user.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            finally
            {
                Shell.kill(all);
                Shell.kill(stream);
                Shell.kill(user);
            }

            final Shell.Result check = Shell.run(30, "promtool check metrics < " + mount.path(".metrics"));
            assertThat(check.exit()).as(check.out() + check.err()).isZero();
            assertThat(check.out() + check.err()).isEmpty();

            final Map<String, Long> samples = new HashMap<>();
            final String metrics = Files.readString(mount.path(".metrics"));
            for (final String line : metrics.split("\n"))
            {
                final Matcher m = SAMPLE.matcher(line);
                if (m.matches())
                {
                    samples.put(m.group(1) + " " + m.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"),
                        Long.parseLong(m.group(3)));
                }
            }
            final List<Path> nodes;
            try (Stream<Path> walk = Files.walk(mount.path("")))
            {
                nodes = walk.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).toList();
            }
            assertThat(nodes.size()).as("the default tree, stream's flows and the user node").isGreaterThan(15);
            for (final Path node : nodes)
            {
                final String label = "/" + mount.path("").relativize(node).toString();
                final String stats = Files.readString(node.resolve(".stats"));
                for (final Map.Entry<String, String> metric : STATS_OF_METRIC.entrySet())
                {
                    assertThat(samples.get(metric.getKey() + " " + (label.equals("/") ? "/" : label)))
                        .as(metric.getKey() + " of " + label)
                        .isEqualTo(statOf(stats, metric.getValue()));
                }
            }
            assertThat(samples.get("pipesfs_node_elements_out_total /")).isEqualTo(43);
            assertThat(samples.get("pipesfs_node_elements_out_total /" + odd)).as("the user node's link").isPositive();
            assertThat(metrics).contains("pipesfs_source_packets_total " + mount.stat("packets") + "\n")
                .contains("pipesfs_source_bytes_total " + mount.stat("bytes") + "\n")
                .contains("pipesfs_source_info{source=\"pcap:" + HTTP + "\",state=\"ended\",policy=\"lossless\"} 1\n");
        }
    }

    private static long statOf(final String stats, final String key)
    {
        for (final String line : stats.split("\n"))
        {
            if (line.startsWith(key + " "))
            {
                return Long.parseLong(line.substring(key.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + key + " in " + stats);
    }
}
