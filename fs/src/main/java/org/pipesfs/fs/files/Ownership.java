package org.pipesfs.fs.files;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Mode and owner of every node directory and pipe file, as {@code chmod} and {@code chown}
 * set them. With {@code -o allow_other} the mount adds {@code default_permissions}, so the
 * kernel enforces these bits against other users; without it, FUSE lets only the mounting
 * user in. Defaults: directories 0755, {@code all}/{@code all.pcap} 0600 (packet data is
 * sensitive), {@code .stats}, {@code .graph} and {@code .readers} 0444, {@code .ctl} 0644, {@code .log}
 * 0400 (refusals name other users' paths), owned by the mounting user.
 */
final class Ownership
{
    record Attributes(int mode, int uid, int gid)
    {
    }

    private final ConcurrentHashMap<Long, Attributes> changed = new ConcurrentHashMap<>();
    private final int uid;
    private final int gid;

    Ownership(final int uid, final int gid)
    {
        this.uid = uid;
        this.gid = gid;
    }

    Attributes of(final long inode, final Entry.Kind kind)
    {
        final Attributes set = changed.get(inode);
        return set != null ? set : new Attributes(defaultMode(kind), uid, gid);
    }

    void chmod(final long inode, final Entry.Kind kind, final int mode)
    {
        changed.compute(inode, (key, old) ->
        {
            final Attributes current = old != null ? old : new Attributes(defaultMode(kind), uid, gid);
            return new Attributes(mode & 07777, current.uid(), current.gid());
        });
    }

    /** {@code -1} leaves that id unchanged, as chown(2) does. */
    void chown(final long inode, final Entry.Kind kind, final int newUid, final int newGid)
    {
        changed.compute(inode, (key, old) ->
        {
            final Attributes current = old != null ? old : new Attributes(defaultMode(kind), uid, gid);
            return new Attributes(current.mode(), newUid == -1 ? current.uid() : newUid, newGid == -1 ? current.gid() : newGid);
        });
    }

    /**
     * A node made by {@code mkdir}: it and its files belong to the caller, as any new directory
     * does; the directory takes the requested mode (umask applied), its files their defaults.
     */
    void made(final long nodeId, final int ownerUid, final int ownerGid, final int mode)
    {
        for (final Entry.Kind kind : Entry.Kind.values())
        {
            final long inode = nodeId * Entry.INODES_PER_NODE + kind.ordinal();
            final int entryMode = kind == Entry.Kind.NODE ? mode & 07777 : defaultMode(kind);
            changed.put(inode, new Attributes(entryMode, ownerUid, ownerGid));
        }
    }

    /** Forgets a removed node's entries, so a reused inode starts from the defaults. */
    void forget(final long nodeId)
    {
        for (int kind = 0; kind < Entry.INODES_PER_NODE; kind++)
        {
            changed.remove(nodeId * Entry.INODES_PER_NODE + kind);
        }
    }

    static int defaultMode(final Entry.Kind kind)
    {
        return switch (kind)
        {
            case NODE -> 0755;
            case STATS, GRAPH, READERS, METRICS -> 0444;
            case LOG -> 0400;
            case CTL -> 0644;
            case LINK -> 0777;
            default -> 0600;
        };
    }
}
