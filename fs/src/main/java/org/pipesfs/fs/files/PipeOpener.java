package org.pipesfs.fs.files;

import org.pipesfs.buffers.ElementFormat;
import org.pipesfs.buffers.IndexReader;
import org.pipesfs.filters.DecapFilter;
import org.pipesfs.filters.InspectFormat;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.filters.WriteInlet;
import org.pipesfs.filters.decode.PacketView;
import org.pipesfs.fs.export.Exports;

/**
 * Opens a node's pipe files, {@code all} and {@code all.pcap}: a reader in the form the node's
 * elements take (the raw view, {@code inspect} lines, or pcap records in the link type its
 * frames carry), a writer that injects into the node, or both for O_RDWR. A refusal is a
 * {@link Refusal}, and whatever was opened before it is closed again.
 *
 * <p>Thread rule: any FUSE worker thread; what it touches (the graph, the inlet, the reader
 * table) takes its own locks.
 */
final class PipeOpener
{
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_NONBLOCK = 04000;

    private final NodeGraph graph;
    private final SourcePump pump;
    private final MountState mount;
    private final ReaderTable readers;

    PipeOpener(final NodeGraph graph, final SourcePump pump, final MountState mount, final ReaderTable readers)
    {
        this.graph = graph;
        this.pump = pump;
        this.mount = mount;
        this.readers = readers;
    }

    /** Opens {@code all} ({@code pcap} false) or {@code all.pcap} of {@code node} with the open(2) {@code flags}. */
    OpenFile open(final Node node, final boolean pcap, final int flags, final Caller caller, final long pid)
    {
        final boolean readOnly = (flags & O_ACCMODE) == O_RDONLY;
        final boolean writeOnly = (flags & O_ACCMODE) == O_WRONLY;
        final boolean nonBlocking = (flags & O_NONBLOCK) != 0;
        final IndexReader indexReader = writeOnly ? null : graph.openReader(node);
        final OpenPipe reader = writeOnly ? null : pcap
            ? OpenPipe.pcap(indexReader, pcapLinkType(node), nonBlocking)
            : OpenPipe.raw(indexReader, node.isInspect() ? new InspectFormat() : ElementFormat.VIEW, nonBlocking);
        final OpenFile file = readOnly ? reader : writer(node, pcap, caller, reader);
        if (indexReader != null)
        {
            readers.add(file, pid, node, pcap ? Entry.ALL_PCAP : Entry.ALL, indexReader);
        }
        return file;
    }

    /** The source's link type; under {@code decap}, Ethernet, which every inner frame can be shown as. */
    private int pcapLinkType(final Node node)
    {
        return DecapFilter.carriesInnerFrames(node) ? PacketView.LINKTYPE_ETHERNET : pump.source().linkType();
    }

    private OpenFile writer(final Node node, final boolean pcap, final Caller caller, final OpenPipe reader)
    {
        final boolean transmit = Exports.isTransmit(node.name());
        if (transmit && !caller.mayTransmit())
        {
            closeQuietly(reader);
            throw new Refusal(Errno.EPERM, "writing to a transmit node needs CAP_NET_RAW");
        }
        final int slot = graph.inlet().open(node);
        if (slot < 0)
        {
            closeQuietly(reader);
            throw new Refusal(Errno.EMFILE, "too many writers (" + WriteInlet.MAX_WRITERS + ")");
        }
        return new WritePipe(graph.inlet(), slot, pcap, transmit ? PacketView.LINKTYPE_ETHERNET : PacketView.LINKTYPE_USER0,
            reader, mount);
    }

    private static void closeQuietly(final OpenPipe reader)
    {
        if (reader != null)
        {
            reader.close();
        }
    }
}
