package org.pipesfs.fs.files;

import jnr.ffi.Pointer;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import org.pipesfs.filters.GraphException;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;
import org.pipesfs.fs.export.Exports;
import org.pipesfs.fs.fuse.FuseFileInfoAccess;
import org.pipesfs.fs.fuse.FuseLoop;
import org.pipesfs.fs.fuse.LargeReads;
import org.pipesfs.fs.fuse.OperationTable;
import org.pipesfs.fs.fuse.PollNotifier;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.FusePollhandle;
import ru.serce.jnrfuse.struct.Timespec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The FUSE mapping of the node graph: each node is a directory holding
 * {@code all}, {@code all.pcap} and {@code .stats} (and {@code .ctl}, {@code .graph},
 * {@code .log} and {@code .readers} at the root); links are symlinks. Each operation is short and each errno deliberate; a refused operation logs one
 * line saying why. Operations run on {@link FuseLoop}'s worker threads; a blocked read holds
 * its worker, so the loop is multithreaded.
 */
public final class PipesFs extends FuseStubFS
{
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;

    private final NodeGraph graph;
    private final SourcePump pump;
    private final Path mountPoint;
    private final MountState mount = new MountState();
    private final HandleTable handles = new HandleTable();
    private final PollNotifier polls = new PollNotifier(libFuse);
    private final Ownership ownership;
    private final MemoryReturn memoryReturn;
    private final GraphPaths paths;
    private final LinkTargets links;
    private final RecentMessages messages;
    private final ReaderTable readers = new ReaderTable();
    private final NodeRates rates;
    private final Exports exports;
    private final PipeOpener pipes;

    /** Held for as long as the mount: libfuse calls it through a native pointer. */
    private final OperationTable.RawRead rawRead = this::rawRead;

    /**
     * @param messages what the server logs, shown by the root {@code .log}
     * @param exports the export nodes' producers, kept in step with mkdir, rmdir and mv
     */
    public PipesFs(
        final NodeGraph graph, final SourcePump pump, final Path mountPoint, final int uid, final int gid,
        final RecentMessages messages, final Exports exports)
    {
        this.messages = messages;
        this.exports = exports;
        this.rates = new NodeRates(graph);
        this.graph = graph;
        this.pump = pump;
        this.mountPoint = mountPoint;
        this.ownership = new Ownership(uid, gid);
        this.memoryReturn = new MemoryReturn(graph.budget());
        this.paths = new GraphPaths(graph);
        this.links = new LinkTargets(graph, mountPoint, ownership);
        this.pipes = new PipeOpener(graph, pump, mount, readers);
        OperationTable.installRead(fuseOperations, rawRead);
        OperationTable.askForNoPaths(fuseOperations);
    }

    private int rawRead(final long path, final long buf, final long size, final long offset, final long fileInfo)
    {
        try
        {
            final OpenFile file = handles.get(FuseFileInfoAccess.handleAt(fileInfo));
            if (file == null)
            {
                return -Errno.EBADF;
            }
            return file.read(buf, (int)Math.min(size, Integer.MAX_VALUE), offset, mount);
        }
        catch (final Throwable t)
        {
            return Refusals.failed("read", "an open pipe", t);
        }
    }

    /**
     * Mounts on {@code dir} with libfuse {@code options} and serves on JVM threads
     * ({@link FuseLoop}) until unmounted.
     */
    public void serve(final Path dir, final String[] options)
    {
        final String[] args = new String[options.length + 3];
        args[0] = "pipesfs";
        args[1] = "-f";
        System.arraycopy(options, 0, args, 2, options.length);
        args[args.length - 1] = dir.toAbsolutePath().toString();
        if (FuseLoop.run(fuseOperations, args, "pipesfs-fuse") != 0)
        {
            throw new IllegalStateException("libfuse could not mount " + dir);
        }
    }

    /**
     * Ends every read with end-of-file, now and from now on; called when the mount goes away.
     * Handles stay valid until the kernel releases them, so a reader never sees EBADF.
     */
    public void endReads()
    {
        mount.close();
        polls.close();
    }

    /** Releases every reader still open; called once the FUSE loop has returned. */
    public void shutdown()
    {
        endReads();
        rates.close();
        handles.closeAll();
    }

    private static String leafOf(final String path)
    {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    // ---- attributes and listing ----------------------------------------------------------------

    @Override
    public int getattr(final String path, final FileStat stat)
    {
        return Refusals.guarded("getattr", path, () ->
        {
            final Entry entry = Entry.resolve(graph, path);
            if (entry == null)
            {
                return -Errno.ENOENT;
            }
            final Node node = entry.node();
            final long inode = entry.inode();
            final Ownership.Attributes attributes = ownership.of(inode, entry.kind());
            stat.st_uid.set(attributes.uid());
            stat.st_gid.set(attributes.gid());
            final long ns = node.changedNs();
            for (final Timespec time : new Timespec[] {stat.st_atim, stat.st_mtim, stat.st_ctim})
            {
                time.tv_sec.set(ns / 1_000_000_000L);
                time.tv_nsec.set(ns % 1_000_000_000L);
            }
            stat.st_ino.set(inode);
            stat.st_size.set(0);
            stat.st_nlink.set(1);
            stat.st_blksize.set(LargeReads.MAX_READ); // cat sizes its reads by st_blksize
            switch (entry.kind())
            {
                case NODE -> {
                    stat.st_mode.set(FileStat.S_IFDIR | attributes.mode());
                    stat.st_nlink.set(2 + node.children().length);
                }
                case LINK -> {
                    stat.st_mode.set(FileStat.S_IFLNK | 0777);
                    stat.st_size.set(entry.link().target().getBytes(StandardCharsets.UTF_8).length);
                }
                default -> {
                    stat.st_mode.set(FileStat.S_IFREG | attributes.mode());
                    final String snapshot = snapshot(entry);
                    if (snapshot != null)
                    {
                        stat.st_size.set(snapshot.getBytes(StandardCharsets.UTF_8).length);
                    }
                }
            }
            return 0;
        });
    }

    /**
     * What reading a snapshot file ({@code .stats}, {@code .graph}, {@code .ctl}, {@code .readers}, {@code .metrics})
     * shows now, or
     * null for the other entries. {@code stat} reports its length, so {@code tail} finds the end.
     */
    private String snapshot(final Entry entry)
    {
        final Node node = entry.node();
        return switch (entry.kind())
        {
            case STATS -> StatsText.render(node, rates.of(node), node.isRoot() ? pump : null, graph.budget(), exports);
            case CTL -> pump.state().label() + "\n";
            case GRAPH -> graph.listing(OctalEscape::field);
            case READERS -> readers.render(node.output().policy() == org.pipesfs.buffers.BufferPolicy.LOSSLESS,
                graph.data().beltway().producerWaits());
            case METRICS -> MetricsText.render(node, rates, pump, graph.budget(), exports);
            default -> null;
        };
    }

    @Override
    public int opendir(final String path, final FuseFileInfo fi)
    {
        return Refusals.guarded("opendir", path, () ->
        {
            final Entry entry = Entry.resolve(graph, path);
            if (entry == null)
            {
                return -Errno.ENOENT;
            }
            if (entry.kind() != Entry.Kind.NODE)
            {
                return -Errno.ENOTDIR;
            }
            final long handle = handles.add(new OpenDir(entry.node()));
            if (handle < 0)
            {
                return Refusals.refuse(-Errno.EMFILE, "opendir", path, "too many open files");
            }
            FuseFileInfoAccess.setHandle(fi, handle);
            return 0;
        });
    }

    @Override
    public int releasedir(final String path, final FuseFileInfo fi)
    {
        return Refusals.guarded("releasedir", path, () ->
        {
            handles.remove(FuseFileInfoAccess.handle(fi));
            return 0;
        });
    }

    /** Lists the node opened by {@link #opendir} (libfuse passes no path here). */
    @Override
    public int readdir(
        final String path, final Pointer buf, final FuseFillDir filler, @off_t final long offset, final FuseFileInfo fi)
    {
        return Refusals.guarded("readdir", path, () ->
        {
            if (!(handles.get(FuseFileInfoAccess.handle(fi)) instanceof OpenDir dir))
            {
                return -Errno.EBADF;
            }
            final Node node = dir.node();
            for (final String name : new String[] {".", "..", Entry.ALL, Entry.ALL_PCAP, Entry.STATS})
            {
                filler.apply(buf, name, null, 0);
            }
            if (node.isRoot())
            {
                for (final String name : new String[] {Entry.CTL, Entry.GRAPH, Entry.LOG, Entry.READERS, Entry.METRICS})
                {
                    filler.apply(buf, name, null, 0);
                }
            }
            for (final Node child : node.children())
            {
                filler.apply(buf, child.name(), null, 0);
            }
            for (final String link : graph.linkNames(node))
            {
                filler.apply(buf, link, null, 0);
            }
            return 0;
        });
    }

    @Override
    public int readlink(final String path, final Pointer buf, @size_t final long size)
    {
        return Refusals.guarded("readlink", path, () ->
        {
            final Entry entry = Entry.resolve(graph, path);
            if (entry == null)
            {
                return -Errno.ENOENT;
            }
            if (entry.kind() != Entry.Kind.LINK)
            {
                return -Errno.EINVAL;
            }
            final byte[] target = entry.link().target().getBytes(StandardCharsets.UTF_8);
            final int n = (int)Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte)0);
            return 0;
        });
    }

    // ---- pipe files -----------------------------------------------------------------------------

    @Override
    public int open(final String path, final FuseFileInfo fi)
    {
        return Refusals.guarded("open", path, () ->
        {
            final Entry entry = Entry.resolve(graph, path);
            if (entry == null)
            {
                return -Errno.ENOENT;
            }
            final int flags = FuseFileInfoAccess.flags(fi);
            final boolean readOnly = (flags & O_ACCMODE) == O_RDONLY;
            final Node node = entry.node();
            final OpenFile file;
            switch (entry.kind())
            {
                case ALL, ALL_PCAP -> file = pipes.open(node, entry.kind() == Entry.Kind.ALL_PCAP, flags, caller(),
                    getContext().pid.longValue());
                case CTL -> file = readOnly ? new SnapshotFile(snapshot(entry)) : new ControlFile(pump);
                case STATS, GRAPH, READERS, LOG, METRICS -> {
                    if (!readOnly)
                    {
                        return Refusals.refuse(-Errno.EACCES, "open", path, leafOf(path) + " is read-only");
                    }
                    file = entry.kind() == Entry.Kind.LOG ? new LogFile(messages) : new SnapshotFile(snapshot(entry));
                }
                case NODE -> {
                    return -Errno.EISDIR;
                }
                default -> {
                    return -Errno.ENOENT;
                }
            }
            final long handle = handles.add(file);
            if (handle < 0)
            {
                readers.remove(file);
                file.close();
                return Refusals.refuse(-Errno.EMFILE, "open", path, "too many open files");
            }
            if (file instanceof SnapshotFile)
            {
                FuseFileInfoAccess.openSnapshot(fi, handle);
            }
            else
            {
                FuseFileInfoAccess.openPipe(fi, handle);
            }
            return 0;
        });
    }

    @Override
    public int write(
        final String path, final Pointer buf, @size_t final long size, @off_t final long offset, final FuseFileInfo fi)
    {
        try
        {
            final OpenFile file = handles.get(FuseFileInfoAccess.handle(fi));
            if (file == null)
            {
                return -Errno.EBADF;
            }
            final int result = file.write(buf.address(), (int)Math.min(size, Integer.MAX_VALUE));
            return result < 0 ? Refusals.refuse(result, "write", "an open pipe", "rejected") : result;
        }
        catch (final Throwable t)
        {
            return Refusals.failed("write", path, t);
        }
    }

    @Override
    public int release(final String path, final FuseFileInfo fi)
    {
        return Refusals.guarded("release", path, () ->
        {
            final OpenFile file = handles.remove(FuseFileInfoAccess.handle(fi));
            if (file instanceof OpenPipe pipe)
            {
                polls.forget(pipe);
            }
            if (file != null)
            {
                readers.remove(file);
                file.close();
            }
            return 0;
        });
    }

    /** poll/select: readable when a read would return data or end of stream; otherwise wake later. */
    @Override
    public int poll(final String path, final FuseFileInfo fi, final FusePollhandle ph, final Pointer reventsp)
    {
        return Refusals.guarded("poll", path, () ->
        {
            final OpenFile file = handles.get(FuseFileInfoAccess.handle(fi));
            if (file == null)
            {
                return -Errno.EBADF;
            }
            // A writer is always writable: a full inlet makes write() wait, as a pipe does.
            final boolean writer = file instanceof WritePipe;
            final boolean readable = file instanceof OpenPipe pipe ? pipe.isReadable()
                : writer ? ((WritePipe)file).isReadable() : true;
            if (PollNotifier.present(ph))
            {
                if (readable || writer || !(file instanceof OpenPipe))
                {
                    polls.destroy(ph);
                }
                else
                {
                    polls.await((OpenPipe)file, ph);
                }
            }
            reventsp.putInt(0, (readable ? PollNotifier.POLLIN : 0) | (writer ? PollNotifier.POLLOUT : 0));
            return 0;
        });
    }

    /** {@code cmd > file} truncates first; a pipe has nothing to truncate. */
    @Override
    public int truncate(final String path, @off_t final long size)
    {
        return Refusals.guarded("truncate", path, () ->
        {
            final Entry entry = Entry.resolve(graph, path);
            return entry == null ? -Errno.ENOENT : entry.kind() == Entry.Kind.NODE ? -Errno.EISDIR : 0;
        });
    }

    @Override
    public int utimens(final String path, final Timespec[] timespec)
    {
        return Refusals.guarded("utimens", path, () ->
        {
            return Entry.resolve(graph, path) == null ? -Errno.ENOENT : 0;
        });
    }

    // ---- the graph, from the shell ----------------------------------------------------------------

    @Override
    public int mkdir(final String path, @mode_t final long mode)
    {
        return Refusals.graphOperation("mkdir", path, () ->
        {
            refuseExportName(GraphPaths.leaf(path));
            final Node node = graph.create(paths.parentNode(path), GraphPaths.leaf(path));
            exports.sync();
            final ru.serce.jnrfuse.struct.FuseContext context = getContext();
            ownership.made(node.id(), context.uid.intValue(), context.gid.intValue(),
                (int)mode & ~context.umask.intValue());
            memoryReturn.nodesChanged();
        });
    }

    @Override
    public int rmdir(final String path)
    {
        return Refusals.graphOperation("rmdir", path, () ->
        {
            final Node node = paths.existingNode(path);
            graph.remove(node);
            exports.sync();
            ownership.forget(node.id());
            memoryReturn.nodesChanged();
        });
    }

    @Override
    public int rename(final String from, final String to)
    {
        return Refusals.graphOperation("rename", from + " -> " + to, () ->
        {
            final Entry entry = Entry.resolve(graph, from);
            if (entry == null)
            {
                throw new GraphException(GraphException.Reason.NO_SUCH_NODE, from + " does not exist");
            }
            if (entry.kind() != Entry.Kind.NODE)
            {
                throw new GraphException(GraphException.Reason.INVALID, "only nodes can be moved, not " + from);
            }
            final Entry replaced = Entry.resolve(graph, to);
            refuseExportName(GraphPaths.leaf(to));
            graph.move(entry.node(), paths.parentNode(to), GraphPaths.leaf(to));
            exports.sync();
            if (replaced != null && replaced.kind() == Entry.Kind.NODE && replaced.node() != entry.node())
            {
                ownership.forget(replaced.node().id());
            }
        });
    }

    /** Refuses a {@code kafka=} or {@code tx=} name the exports cannot serve, with the errno that says why. */
    private void refuseExportName(final String name)
    {
        final Exports.Objection objection = exports.objectionTo(name, () -> caller().mayTransmit());
        if (objection != null)
        {
            throw new Refusal(switch (objection.kind())
            {
                case INVALID -> Errno.EINVAL;
                case LOOP -> Errno.ELOOP;
                case NO_DEVICE -> Errno.ENODEV;
                case NOT_PERMITTED -> Errno.EPERM;
            }, objection.reason());
        }
    }

    /** What reaches a {@code tx=} node leaves the machine: feeding one takes what making one takes. */
    private static void requireTransmitPermission(final Node node, final Caller caller)
    {
        if (Exports.isTransmit(node.name()) && !caller.mayTransmit())
        {
            throw new Refusal(Errno.EPERM, node.path() + " sends what reaches it: that needs CAP_NET_RAW");
        }
    }

    private Caller caller()
    {
        final ru.serce.jnrfuse.struct.FuseContext context = getContext();
        return Caller.of(context.uid.intValue(), context.gid.intValue(), context.pid.longValue());
    }

    @Override
    public int symlink(final String target, final String path)
    {
        return Refusals.graphOperation("symlink", path + " -> " + target, () ->
        {
            final Node source = links.resolve(target, path);
            final Caller caller = caller();
            requireTransmitPermission(paths.parentNode(path), caller);
            links.requireReadable(source, target, caller);
            graph.link(paths.parentNode(path), GraphPaths.leaf(path), source, target);
        });
    }

    /** Unlinks a link; the view files of a node are left alone (so {@code rm -r} works). */
    @Override
    public int unlink(final String path)
    {
        return Refusals.guarded("unlink", path, () ->
        {
            final Entry entry = Entry.resolve(graph, path);
            if (entry == null)
            {
                return -Errno.ENOENT;
            }
            return switch (entry.kind())
            {
                case LINK -> Refusals.graphOperation("unlink", path, () -> graph.unlink(entry.node(), GraphPaths.leaf(path)));
                case NODE -> Refusals.refuse(-Errno.EISDIR, "unlink", path, "is a node: use rmdir");
                default -> 0;
            };
        });
    }

    @Override
    public int chmod(final String path, @mode_t final long mode)
    {
        return Refusals.guarded("chmod", path, () ->
        {
            final Entry entry = Entry.resolve(graph, path);
            if (entry == null)
            {
                return -Errno.ENOENT;
            }
            ownership.chmod(entry.inode(), entry.kind(), (int)mode);
            entry.node().touch();
            return 0;
        });
    }

    @Override
    public int chown(final String path, @uid_t final long uid, @gid_t final long gid)
    {
        return Refusals.guarded("chown", path, () ->
        {
            final Entry entry = Entry.resolve(graph, path);
            if (entry == null)
            {
                return -Errno.ENOENT;
            }
            ownership.chown(entry.inode(), entry.kind(), (int)uid, (int)gid);
            entry.node().touch();
            return 0;
        });
    }

}
