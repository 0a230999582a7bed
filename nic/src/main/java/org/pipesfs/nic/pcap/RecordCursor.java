package org.pipesfs.nic.pcap;

import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What both capture readers share: the file window, the current record's fields, the count
 * and position, and how a cut-off file is reported. Subclasses parse their format in
 * {@link #next()} and fill the fields.
 */
abstract class RecordCursor implements CaptureReader
{
    final Path file;
    final FileWindow window;
    /** Where a pass starts: past the pcap global header, or at pcapng's first section header. */
    private final long start;
    long position;
    long records;
    String truncation;
    int offset;
    int captured;
    int original;
    long timestampNs;
    int linkType;

    RecordCursor(final Path file, final FileWindow window, final long start)
    {
        this.file = file;
        this.window = window;
        this.start = start;
        this.position = start;
    }

    /** The window keeps its mapping, so a pass faults in no page again. */
    public final void rewind()
    {
        position = start;
        records = 0;
        truncation = null;
    }

    /** Records that the file ends inside {@code what}; the cursor then ends. */
    final boolean truncated(final String what, final int needed)
    {
        truncation = file + ": truncated after " + records + " whole records: " + what + " at offset " + position
            + " needs " + (needed & 0xffffffffL) + " bytes, " + (window.size() - position) + " left";
        return false;
    }

    public final DirectBuffer buffer()
    {
        return window.buffer();
    }

    public final int offset()
    {
        return offset;
    }

    public final int capturedLength()
    {
        return captured;
    }

    public final int originalLength()
    {
        return original;
    }

    public final long timestampNs()
    {
        return timestampNs;
    }

    public final int linkType()
    {
        return linkType;
    }

    public final long records()
    {
        return records;
    }

    public final long position()
    {
        return position;
    }

    public final long size()
    {
        return window.size();
    }

    public final String truncation()
    {
        return truncation;
    }

    public final void close()
    {
        try
        {
            window.close();
        }
        catch (final IOException ignored)
        {
            // closing a read-only channel loses nothing
        }
    }
}
