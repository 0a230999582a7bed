package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.pipesfs.fs.files.OctalEscape;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In the spirit of fsstress: four processes make 20,000 random graph operations (mkdir, rmdir,
 * rename, symlink, readlink, unlink, getdents, stat) on filter names, user names and
 * {@code stream} nodes under the mount while synthetic traffic flows to a reader, with a fixed
 * seed. Nothing may crash or hang; afterwards {@code find} must show exactly the graph's own
 * listing ({@code .graph}), and once every node is removed the server's memory comes back
 * (RSS within 1.5 times what it was at mount time). {@code ABUSE_OPERATIONS} sets the count,
 * for the long run by hand.
 */
class AbuseTest
{
    private static final int OPERATIONS = Integer.parseInt(System.getenv().getOrDefault("ABUSE_OPERATIONS", "20000"));

    private static final String SCRIPT = String.join("\n",
        "import os, random, sys",
        "root, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
        "rng = random.Random(seed)",
        "names = ['a', 'b', 'c', 'tcp', 'udp', 'ip', 'port=80', 'port=53', 'http', 'dns', 'get', 'x.pcap', '.hidden',",
        "         'expr=tcp port 80', 'port=99999', 'inspect', 'host=10.0.0.53', 'stream']",
        "def path(depth):",
        "    return root + ''.join('/' + rng.choice(names) for _ in range(depth))",
        "counts = {}",
        "for i in range(count):",
        "    op = rng.choice(['mkdir', 'rmdir', 'rename', 'symlink', 'readlink', 'unlink', 'listdir', 'stat'])",
        "    p, q = path(rng.randint(1, 3)), path(rng.randint(1, 3))",
        "    try:",
        "        if op == 'mkdir': os.mkdir(p)",
        "        elif op == 'rmdir': os.rmdir(p)",
        "        elif op == 'rename': os.rename(p, q)",
        "        elif op == 'symlink': os.symlink(q, p)",
        "        elif op == 'readlink': os.readlink(p)",
        "        elif op == 'unlink': os.unlink(p)",
        "        elif op == 'listdir': os.listdir(p)",
        "        else: os.lstat(p)",
        "        counts[op + ' ok'] = counts.get(op + ' ok', 0) + 1",
        "    except OSError as e:",
        "        counts[op + ' ' + str(e.errno)] = counts.get(op + ' ' + str(e.errno), 0) + 1",
        "print(sum(counts.values()))");

    private static long rssKb(final long pid) throws Exception
    {
        for (final String line : Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    @Test
    void twentyThousandRandomOperationsLeaveAConsistentTree() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--source", "synthetic:rate=20000"))
        {
            final Process reader = new ProcessBuilder("cat", mount.path("all").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                final long rssBefore = rssKb(mount.server.pid());
                final java.nio.file.Path script = Files.createTempFile("abuse", ".py");
                Files.writeString(script, SCRIPT);
                final StringBuilder jobs = new StringBuilder();
                for (int worker = 0; worker < 4; worker++)
                {
                    jobs.append("python3 ").append(script).append(' ').append(mount.dir).append(' ').append(1000 + worker)
                        .append(' ').append(OPERATIONS / 4).append(" & ");
                }
                final Shell.Result run = Shell.run(300 + OPERATIONS / 100, jobs + "wait");
                Files.deleteIfExists(script);
                assertThat(Arrays.stream(run.out().trim().split("\n")).mapToLong(Long::parseLong).sum())
                    .as(run.err()).isEqualTo(OPERATIONS / 4 * 4);
                assertThat(reader.isAlive()).as("traffic kept flowing to the reader").isTrue();
                assertThat(mount.server.isAlive()).isTrue();

                // Traffic makes class nodes on first sight: pause it so the tree holds still to compare.
                final String p = mount.dir.toString();
                Files.writeString(mount.path(".ctl"), "pause\n");
                Thread.sleep(300);
                final TreeSet<String> found = new TreeSet<>();
                Shell.run(60, "cd " + p + " && find . -type d").out().lines()
                    .forEach(line -> found.add(line.equals(".") ? "/" : OctalEscape.field(line.substring(1))));
                Shell.run(60, "cd " + p + " && find . -type l -printf '%p\\t%l\\n'").out().lines()
                    .forEach(line -> found.add(OctalEscape.field(line.substring(1, line.indexOf('\t'))) + " -> "
                        + OctalEscape.field(line.substring(line.indexOf('\t') + 1))));
                final TreeSet<String> listed = new TreeSet<>(List.of(Files.readString(mount.path(".graph")).split("\n")));
                assertThat(found).isEqualTo(listed);
                assertThat(listed.size()).as("the run left a non-trivial tree").isGreaterThan(14);

                Files.writeString(mount.path(".ctl"), "start\n");
                // The root is the one node random renames cannot move: traffic still flows through it.
                assertThat(Shell.run(30, "head -c 10000 " + p + "/all | wc -c").out().trim()).isEqualTo("10000");
                final long rssAfter = rssKb(mount.server.pid());

                // Remove everything: the memory the nodes took comes back.
                Files.writeString(mount.path(".ctl"), "pause\n");
                final Shell.Result removed = Shell.run(120, "cd " + p + " && rm -rf -- * && ls -A");
                assertThat(removed.out().lines().toList()).as(removed.err())
                    .containsExactlyInAnyOrder(".ctl", ".graph", ".log", ".metrics", ".readers", ".stats", "all", "all.pcap");
                Files.writeString(mount.path(".ctl"), "start\n");
                long rssEmpty = rssKb(mount.server.pid());
                for (int i = 0; i < 100 && rssEmpty > rssBefore * 3 / 2; i++)
                {
                    Thread.sleep(100); // the collection runs a second after the last removal
                    rssEmpty = rssKb(mount.server.pid());
                }
                System.out.println("abuse: server RSS " + rssBefore + " kB at mount, " + rssAfter
                    + " kB after " + OPERATIONS + " operations, " + rssEmpty + " kB with every node removed");
                assertThat(rssEmpty).as("memory comes back once the nodes go").isLessThanOrEqualTo(rssBefore * 3 / 2);
                assertThat(Shell.run(30, "head -c 10000 " + p + "/all | wc -c").out().trim()).isEqualTo("10000");
            }
            finally
            {
                Shell.kill(reader);
            }
        }
    }
}
