package org.pipesfs.fs.files;

import org.pipesfs.buffers.IndexReader;
import org.pipesfs.filters.Node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every open reader of a pipe file, for the root {@code .readers}: which process opened it,
 * on which node and file, how many elements it has yet to read ({@code behind}) and how many
 * it lost ({@code dropped}). Under the lossless policy, while the source waits for room, the
 * reader whose oldest unread element is the oldest of all is marked {@code holding}: it is the
 * one to wake or kill. Names are escaped as in {@code .graph}.
 *
 * <p>Thread rule: FUSE workers add a reader at open and remove it at release; any thread may
 * render.
 */
final class ReaderTable
{
    static final String HEADER = "pid command node file behind dropped state\n";

    private record Opened(long pid, String command, Node node, String file, IndexReader reader)
    {
    }

    private final ConcurrentHashMap<OpenFile, Opened> open = new ConcurrentHashMap<>();

    void add(final OpenFile file, final long pid, final Node node, final String fileName, final IndexReader reader)
    {
        open.put(file, new Opened(pid, commandOf(pid), node, fileName, reader));
    }

    void remove(final OpenFile file)
    {
        open.remove(file);
    }

    /** One line per open reader, by pid; {@code lossless && producerWaits} marks the holder. */
    String render(final boolean lossless, final boolean producerWaits)
    {
        final List<Opened> readers = new ArrayList<>(open.values());
        readers.sort(Comparator.comparingLong(Opened::pid).thenComparing(o -> o.node().path()).thenComparing(Opened::file));
        long oldest = Long.MAX_VALUE;
        final long[] unread = new long[readers.size()];
        for (int i = 0; i < unread.length; i++)
        {
            unread[i] = readers.get(i).reader().oldestUnreadSequence();
            oldest = Math.min(oldest, unread[i]);
        }
        final boolean held = lossless && producerWaits && oldest != Long.MAX_VALUE;
        final StringBuilder text = new StringBuilder(HEADER);
        for (int i = 0; i < unread.length; i++)
        {
            final Opened o = readers.get(i);
            text.append(o.pid()).append(' ')
                .append(OctalEscape.field(o.command())).append(' ')
                .append(OctalEscape.field(o.node().path())).append(' ')
                .append(o.file()).append(' ')
                .append(o.reader().backlog()).append(' ')
                .append(o.reader().dropped()).append(' ')
                .append(held && unread[i] == oldest ? "holding" : "-").append('\n');
        }
        return text.toString();
    }

    /** The process's command name, as {@code ps -o comm} shows it; "?" once it is gone. */
    private static String commandOf(final long pid)
    {
        try
        {
            return Files.readString(Path.of("/proc/" + pid + "/comm"), StandardCharsets.UTF_8).strip();
        }
        catch (final IOException | RuntimeException ex)
        {
            return "?";
        }
    }
}
