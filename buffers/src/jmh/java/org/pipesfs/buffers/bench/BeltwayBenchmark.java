package org.pipesfs.buffers.bench;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pipesfs.buffers.BufferPolicy;
import org.pipesfs.buffers.DataBuffer;
import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexBuffer;
import org.pipesfs.buffers.IndexReader;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The in-process cost of the Beltway path: a producer writes each element once into the DBuf,
 * indexes it, and readers copy it out into a 128 KiB direct buffer (as FUSE reads do). Each
 * invocation moves a batch of {@value #BATCH} elements; scores are elements per second.
 *
 * <ul>
 *   <li>{@code produceIndexRead}: one producer, one reader; 64 B and 1500 B elements.</li>
 *   <li>{@code fanOutShared}: one DBuf write and one index entry, read by N readers.</li>
 *   <li>{@code fanOutCopyPerReader}: baseline that gives each of N readers its own copy
 *       (N DBuf writes and N entries), as per-reader pipes or tee would.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dagrona.disable.bounds.checks=false"})
@State(Scope.Thread)
public class BeltwayBenchmark
{
    static final int BATCH = 256;

    @Param({"64", "1500"})
    int size;

    @Param({"1", "2", "4"})
    int readers;

    private UnsafeBuffer frame;
    private UnsafeBuffer target;
    private DataBuffer shared;
    private IndexBuffer sharedIndex;
    private IndexReader[] sharedReaders;
    private DataBuffer[] copies;
    private IndexBuffer[] copyIndexes;
    private IndexReader[] copyReaders;

    @Setup(Level.Trial)
    public void setUp()
    {
        frame = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        for (int i = 0; i < 2048; i++)
        {
            frame.putByte(i, (byte)i);
        }
        target = new UnsafeBuffer(ByteBuffer.allocateDirect(128 * 1024));
        shared = new DataBuffer(64 << 20, BufferPolicy.LOSSLESS);
        sharedIndex = shared.newIndexBuffer(1 << 16, BufferPolicy.LOSSLESS);
        sharedReaders = new IndexReader[readers];
        copies = new DataBuffer[readers];
        copyIndexes = new IndexBuffer[readers];
        copyReaders = new IndexReader[readers];
        for (int r = 0; r < readers; r++)
        {
            sharedReaders[r] = sharedIndex.newReader();
            copies[r] = new DataBuffer(64 << 20, BufferPolicy.LOSSLESS);
            copyIndexes[r] = copies[r].newIndexBuffer(1 << 16, BufferPolicy.LOSSLESS);
            copyReaders[r] = copyIndexes[r].newReader();
        }
    }

    private static void produce(final DataBuffer data, final IndexBuffer index, final UnsafeBuffer frame, final int size)
    {
        for (int i = 0; i < BATCH; i++)
        {
            final long position = data.append(frame, 0, size, size, i, 1);
            index.append(position, data.sequence(position), 0, size, 0);
        }
    }

    private long drain(final IndexReader reader)
    {
        long bytes = 0;
        int n;
        while ((n = reader.read(target, 0, target.capacity(), ElementFormat.VIEW)) > 0)
        {
            bytes += n;
        }
        return bytes;
    }

    /** One producer and one reader (the first); {@code readers} is ignored. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long produceIndexRead()
    {
        produce(shared, sharedIndex, frame, size);
        long bytes = drain(sharedReaders[0]);
        for (int r = 1; r < readers; r++)
        {
            sharedReaders[r].close();
        }
        return bytes;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long fanOutShared()
    {
        produce(shared, sharedIndex, frame, size);
        long bytes = 0;
        for (final IndexReader reader : sharedReaders)
        {
            bytes += drain(reader);
        }
        return bytes;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long fanOutCopyPerReader()
    {
        long bytes = 0;
        for (int r = 0; r < readers; r++)
        {
            produce(copies[r], copyIndexes[r], frame, size);
        }
        for (final IndexReader reader : copyReaders)
        {
            bytes += drain(reader);
        }
        return bytes;
    }
}
