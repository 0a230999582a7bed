package org.pipesfs.fs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Apache Kafka (KRaft, broker and controller in one process) on 127.0.0.1,
 * started from Kafka's own jars on the test classpath in a child JVM: {@code StorageTool
 * format --standalone}, then {@code kafka.Kafka}. {@link #stop} kills it (as a crash would)
 * and {@link #start} brings it back on the same port and data. Closing it kills the broker and
 * removes its directory.
 */
final class KafkaBroker implements AutoCloseable
{
    final Path dir;
    final int port;
    private final int controllerPort;
    private final Path log;
    private Process process;

    private KafkaBroker(final Path dir, final int port, final int controllerPort)
    {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.log = dir.resolve("broker.log");
    }

    static KafkaBroker start() throws Exception
    {
        final Path dir = Files.createTempDirectory("pipesfs-kafka");
        final KafkaBroker broker = new KafkaBroker(dir, freePort(), freePort());
        try
        {
            broker.format();
            broker.launch();
            return broker;
        }
        catch (final Exception | AssertionError ex)
        {
            broker.close();
            throw ex;
        }
    }

    String bootstrap()
    {
        return "127.0.0.1:" + port;
    }

    private void format() throws Exception
    {
        Files.writeString(dir.resolve("server.properties"), String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "num.partitions=4",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=4",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            // Kafka's default: a new group waits 3 s for its members, so mounts started together share from the start
            "group.initial.rebalance.delay.ms=3000",
            "auto.create.topics.enable=true",
            // records keep their capture time, months or years old for replayed captures, and
            // time-based retention would delete them at its next check
            "log.retention.ms=-1",
            "") + "\n");
        final Process format = java("kafka.tools.StorageTool", "format", "-t", UUID.randomUUID().toString().replace("-", "").substring(0, 22),
            "-c", dir.resolve("server.properties").toString(), "--standalone")
            .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0)
        {
            Shell.kill(format);
            throw new AssertionError("kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
        }
    }

    /** Starts the broker on its port and data, and waits until it accepts connections. */
    void launch() throws Exception
    {
        process = java("kafka.Kafka", dir.resolve("server.properties").toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        final long deadline = System.currentTimeMillis() + 90_000;
        while (!ready())
        {
            if (!process.isAlive() || System.currentTimeMillis() > deadline)
            {
                final String output = Files.exists(log) ? Files.readString(log) : "";
                throw new AssertionError("kafka broker did not start: " + output.substring(Math.max(0, output.length() - 4000)));
            }
            Thread.sleep(200);
        }
    }

    /** True once the broker answers a metadata request with itself in it. */
    private boolean ready()
    {
        if (!accepts())
        {
            return false;
        }
        final java.util.Properties config = new java.util.Properties();
        config.put("bootstrap.servers", bootstrap());
        config.put("request.timeout.ms", "2000");
        config.put("default.api.timeout.ms", "2000");
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(config))
        {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    /** Kills the broker at once, as a crash would. */
    void kill() throws InterruptedException
    {
        if (process != null)
        {
            Shell.kill(process);
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static ProcessBuilder java(final String mainClass, final String... args)
    {
        final List<String> command = new java.util.ArrayList<>(List.of(
            ProcessHandle.current().info().command().orElse("java"), "-Xmx512m", "-XX:+UseG1GC",
            "-Dlog4j2.configurationFile=none", "-Dkafka.logs.dir=/tmp",
            "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    boolean accepts()
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    public void close() throws Exception
    {
        kill();
        Shell.run(30, "rm -rf " + dir);
    }
}
