package org.pipesfs.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A veth pair whose peer end lives in a network namespace of its own, both ends up and with
 * IPv6 off, so that no autoconfiguration chatter lands in a capture. {@link #close} removes
 * both (deleting one end deletes the pair) and the namespace.
 */
final class VethPair implements AutoCloseable
{
    final String host;
    final String peer;
    final String ns;

    private VethPair(final String tag)
    {
        final String suffix = Long.toString(ProcessHandle.current().pid() % 100000);
        host = "pf" + tag + "h" + suffix;
        peer = "pf" + tag + "p" + suffix;
        ns = "pfns" + tag + suffix;
    }

    /**
     * @param tag one or two letters that tell this pair from others in the same test
     * @param peerAddress an IPv4 address with prefix for the peer end, or null for none
     */
    static VethPair create(final String tag, final String hostAddress, final String peerAddress) throws Exception
    {
        final VethPair pair = new VethPair(tag);
        final Shell.Result setup = Shell.run(30, String.join(" && ",
            "ip netns add " + pair.ns,
            "ip link add " + pair.host + " type veth peer name " + pair.peer,
            "ip link set " + pair.peer + " netns " + pair.ns,
            "sysctl -qw net.ipv6.conf." + pair.host + ".disable_ipv6=1",
            "ip netns exec " + pair.ns + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1",
            hostAddress == null ? "true" : "ip addr add " + hostAddress + " dev " + pair.host,
            "ip link set " + pair.host + " up",
            peerAddress == null ? "true" : "ip netns exec " + pair.ns + " ip addr add " + peerAddress + " dev " + pair.peer,
            "ip netns exec " + pair.ns + " ip link set " + pair.peer + " up",
            "ip netns exec " + pair.ns + " ip link set lo up"));
        if (setup.exit() != 0)
        {
            pair.close();
        }
        assertThat(setup.exit()).as(setup.err()).isZero();
        return pair;
    }

    /** Python's HTTP server on port 80 of the peer end's {@code address}, once it accepts connections. */
    Process httpServerOnPeer(final String address) throws Exception
    {
        final Process server = new ProcessBuilder("ip", "netns", "exec", ns, "python3", "-m", "http.server", "80", "--bind", address)
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final Shell.Result up = Shell.run(30, "for i in $(seq 100); do ip netns exec " + ns + " bash -c 'exec 3<>/dev/tcp/"
            + address + "/80' 2>/dev/null && exit 0; sleep 0.1; done; exit 1");
        if (up.exit() != 0)
        {
            Shell.kill(server);
        }
        assertThat(up.exit()).as("HTTP server up").isZero();
        return server;
    }

    /** tcpdump writing what the peer end receives to {@code out}, once it is listening. */
    Process tcpdumpOnPeer(final Path out, final Path log) throws Exception
    {
        final Process tcpdump = new ProcessBuilder("ip", "netns", "exec", ns,
            "tcpdump", "-i", peer, "-B", "262144", "-U", "-w", out.toString())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitListening(tcpdump, log);
        return tcpdump;
    }

    static void awaitListening(final Process tcpdump, final Path log) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains("listening on"))
        {
            assertThat(tcpdump.isAlive()).as("tcpdump: " + Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("tcpdump listening").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Ends tcpdump as Ctrl-C does, so that it writes out what it holds; its log then has the counts. */
    static void stop(final Process tcpdump) throws IOException, InterruptedException
    {
        Shell.signal(tcpdump.pid(), "INT");
        if (!tcpdump.waitFor(20, TimeUnit.SECONDS))
        {
            Shell.kill(tcpdump);
        }
    }

    @Override
    public void close() throws Exception
    {
        Shell.run(30, "ip link del " + host + " 2>/dev/null; ip netns del " + ns + " 2>/dev/null");
        assertThat(Shell.run(10, "ip netns list").out()).doesNotContain(ns);
    }
}
