/* The FUSE read-path limit for examples/bench/run.sh: one file, /big, of NULLFS_SIZE bytes
 * (default 1 GiB) whose reads return at once without touching the buffer. Mount it with
 * -o direct_io,max_read=131072. Build: gcc -O2 nullfs.c $(pkg-config fuse --cflags --libs)
 * Built with -DLARGE_READS and mounted with max_read=1048576, it negotiates 1 MiB requests as
 * PipesFS does (large_reads.h). */
#define FUSE_USE_VERSION 26
#include <fuse.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef LARGE_READS
#include "large_reads.h"
#endif

static off_t size;

static int null_getattr(const char *path, struct stat *st)
{
    memset(st, 0, sizeof *st);
    if (strcmp(path, "/") == 0) { st->st_mode = S_IFDIR | 0755; st->st_nlink = 2; return 0; }
    if (strcmp(path, "/big") == 0) { st->st_mode = S_IFREG | 0444; st->st_nlink = 1; st->st_size = size;
#ifdef LARGE_READS
        st->st_blksize = 1 << 20;
#endif
        return 0; }
    return -ENOENT;
}

static int null_open(const char *path, struct fuse_file_info *fi)
{
    return strcmp(path, "/big") == 0 ? 0 : -ENOENT;
}

static int null_read(const char *path, char *buf, size_t n, off_t offset, struct fuse_file_info *fi)
{
    return offset >= size ? 0 : (int)(size - offset < (off_t)n ? size - offset : (off_t)n);
}

int main(int argc, char *argv[])
{
    const char *env = getenv("NULLFS_SIZE");
    size = env ? atoll(env) : 1LL << 30;
    static struct fuse_operations ops = {.getattr = null_getattr, .open = null_open, .read = null_read};
#ifndef LARGE_READS
    return fuse_main(argc, argv, &ops, NULL);
#else
    char *mountpoint; int mt;
    struct fuse *f = fuse_setup(argc, argv, &ops, sizeof ops, &mountpoint, &mt, NULL);
    struct fuse_session *se = f ? fuse_get_session(f) : NULL;
    if (!f || large_reads_init(se, fuse_session_next_chan(se, NULL))) return 1;
    return fuse_loop_mt(f) ? 1 : (fuse_teardown(f, mountpoint), 0);
#endif
}
