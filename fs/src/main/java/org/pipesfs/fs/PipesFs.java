package org.pipesfs.fs;

import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.pipesfs.filters.Node;
import org.pipesfs.filters.NodeGraph;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * The FUSE mapping of SPEC §1 and §3 onto the node graph. Each operation is short and each
 * errno deliberate; a refused operation logs one line saying why. Operations run on libfuse
 * worker threads; a blocked read holds its worker, so the loop is multithreaded.
 *
 * <p>So far it serves the root node: {@code all}, {@code all.pcap}, {@code .stats} and {@code .ctl}.
 */
final class PipesFs extends FuseStubFS
{
    static final String ALL = "all";
    static final String ALL_PCAP = "all.pcap";
    static final String STATS = ".stats";
    static final String CTL = ".ctl";

    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;
    private static final int O_NONBLOCK = 04000;

    private final NodeGraph graph;
    private final SourcePump pump;
    private final MountState mount = new MountState();
    private final HandleTable handles = new HandleTable();
    private final int uid;
    private final int gid;
    private final long mountedSeconds = System.currentTimeMillis() / 1000;

    PipesFs(final NodeGraph graph, final SourcePump pump, final int uid, final int gid)
    {
        this.graph = graph;
        this.pump = pump;
        this.uid = uid;
        this.gid = gid;
    }

    MountState mountState()
    {
        return mount;
    }

    /** Ends every blocked read and releases every reader; called when the mount goes away. */
    void shutdown()
    {
        mount.close();
        handles.closeAll();
    }

    @Override
    public int getattr(final String path, final FileStat stat)
    {
        stat.st_uid.set(uid);
        stat.st_gid.set(gid);
        stat.st_atim.tv_sec.set(mountedSeconds);
        stat.st_mtim.tv_sec.set(mountedSeconds);
        stat.st_ctim.tv_sec.set(mountedSeconds);
        switch (path)
        {
            case "/" -> {
                stat.st_mode.set(FileStat.S_IFDIR | 0755);
                stat.st_nlink.set(2);
                stat.st_ino.set(1);
            }
            case "/" + ALL, "/" + ALL_PCAP -> {
                stat.st_mode.set(FileStat.S_IFREG | 0600);
                stat.st_nlink.set(1);
                stat.st_ino.set(path.endsWith(".pcap") ? 3 : 2);
            }
            case "/" + STATS -> {
                stat.st_mode.set(FileStat.S_IFREG | 0444);
                stat.st_nlink.set(1);
                stat.st_ino.set(4);
            }
            case "/" + CTL -> {
                stat.st_mode.set(FileStat.S_IFREG | 0644);
                stat.st_nlink.set(1);
                stat.st_ino.set(5);
            }
            default -> {
                return -Errno.ENOENT;
            }
        }
        stat.st_size.set(0);
        return 0;
    }

    @Override
    public int readdir(
        final String path, final Pointer buf, final FuseFillDir filler, @off_t final long offset, final FuseFileInfo fi)
    {
        if (!"/".equals(path))
        {
            return refuse(-Errno.ENOENT, "readdir", path, "no such node");
        }
        filler.apply(buf, ".", null, 0);
        filler.apply(buf, "..", null, 0);
        filler.apply(buf, ALL, null, 0);
        filler.apply(buf, ALL_PCAP, null, 0);
        filler.apply(buf, STATS, null, 0);
        filler.apply(buf, CTL, null, 0);
        return 0;
    }

    @Override
    public int open(final String path, final FuseFileInfo fi)
    {
        final int flags = FuseFileInfoAccess.flags(fi);
        final boolean readOnly = (flags & O_ACCMODE) == O_RDONLY;
        final boolean nonBlocking = (flags & O_NONBLOCK) != 0;
        final OpenFile file;
        switch (path)
        {
            case "/" + ALL, "/" + ALL_PCAP -> {
                if (!readOnly)
                {
                    return refuse(-Errno.EOPNOTSUPP, "open", path, "writing to pipe files is not supported yet");
                }
                final Node node = graph.root();
                file = path.endsWith(".pcap")
                    ? OpenPipe.pcap(node.openReader(), pump.source().linkType(), nonBlocking)
                    : OpenPipe.raw(node.openReader(), nonBlocking);
            }
            case "/" + STATS -> {
                if (!readOnly)
                {
                    return refuse(-Errno.EACCES, "open", path, ".stats is read-only");
                }
                file = new SnapshotFile(StatsText.render(graph.root(), pump));
            }
            case "/" + CTL -> file = readOnly ? new SnapshotFile(pump.state().label() + "\n") : new ControlFile(pump);
            case "/" -> {
                return -Errno.EISDIR;
            }
            default -> {
                return -Errno.ENOENT;
            }
        }
        final long handle = handles.add(file);
        if (handle < 0)
        {
            file.close();
            return refuse(-24, "open", path, "too many open files");
        }
        FuseFileInfoAccess.openPipe(fi, handle);
        return 0;
    }

    @Override
    public int read(
        final String path, final Pointer buf, @size_t final long size, @off_t final long offset, final FuseFileInfo fi)
    {
        final OpenFile file = handles.get(FuseFileInfoAccess.handle(fi));
        if (file == null)
        {
            return -Errno.EBADF;
        }
        return file.read(buf.address(), (int)Math.min(size, Integer.MAX_VALUE), offset, mount);
    }

    @Override
    public int write(
        final String path, final Pointer buf, @size_t final long size, @off_t final long offset, final FuseFileInfo fi)
    {
        final OpenFile file = handles.get(FuseFileInfoAccess.handle(fi));
        if (file == null)
        {
            return -Errno.EBADF;
        }
        final int result = file.write(buf.address(), (int)Math.min(size, Integer.MAX_VALUE));
        return result < 0 ? refuse(result, "write", path, "rejected") : result;
    }

    @Override
    public int release(final String path, final FuseFileInfo fi)
    {
        final OpenFile file = handles.remove(FuseFileInfoAccess.handle(fi));
        if (file != null)
        {
            file.close();
        }
        return 0;
    }

    /** {@code cmd > file} truncates first; a pipe has nothing to truncate. */
    @Override
    public int truncate(final String path, @off_t final long size)
    {
        return isFile(path) ? 0 : -Errno.ENOENT;
    }

    @Override
    public int chmod(final String path, @mode_t final long mode)
    {
        return refuse(-Errno.EOPNOTSUPP, "chmod", path, "permissions are fixed in this version");
    }

    private static boolean isFile(final String path)
    {
        return path.equals("/" + ALL) || path.equals("/" + ALL_PCAP) || path.equals("/" + STATS)
            || path.equals("/" + CTL);
    }

    static int refuse(final int errno, final String op, final String path, final String why)
    {
        System.err.println("pipesfs: " + op + " " + path + ": " + why + " (errno " + -errno + ")");
        return errno;
    }
}
