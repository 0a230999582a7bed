/* How a FUSE server can answer a 1 MiB read of elements scattered in a shared ring,
 * without the rest of PipesFS: /big, of NULLFS_SIZE bytes, is read as 1500-byte elements laid
 * out every 1536 bytes in a ring of RING_MB MiB (64 by default, as PipesFS's DBuf), each read
 * continuing where its offset points. REPLY chooses the answer:
 *   none  - a static buffer, as the null filesystem (the FUSE cost alone);
 *   copy  - memcpy each element into one buffer, then reply (what PipesFS does, in C);
 *   iov   - fuse_reply_iov with one iovec per element (the kernel copies from the ring);
 *   packed - elements back to back in the ring, one reply straight from it (what PipesFS
 *            does: frames without inline headers, answered with one writev);
 *   splice - as packed, but the reply's pages go into a pipe with vmsplice(2) and from there
 *            to the device with splice(2), the header first (a per-thread pipe of 4 MiB).
 * Requests are 1 MiB (large_reads.h). Build: gcc -O2 replyfs.c $(pkg-config fuse --cflags --libs) */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 26
#include "large_reads.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

enum { ELEMENT = 1500, STRIDE = 1536, MAX_ELEMENTS = (1 << 20) / ELEMENT };
static off_t size;
static size_t ring_elements;
static char *ring, *reply_mode;
static char none[1 << 20];
static int device;
static __thread int spliced[2] = {-1, -1};

/* libfuse 2.9 keeps the request's id right after its session pointer (struct fuse_req). */
static uint64_t unique_of(fuse_req_t req) { return *(uint64_t *)((char *)req + sizeof(void *)); }

static void reply_spliced(fuse_req_t req, char *data, size_t len)
{
    struct { uint32_t len; int32_t error; uint64_t unique; } header = {16 + len, 0, unique_of(req)};
    struct iovec iov[2] = {{&header, sizeof header}, {data, len}};
    if (spliced[0] < 0 && (pipe(spliced) || fcntl(spliced[1], F_SETPIPE_SZ, 4 << 20) < 0)) abort();
    ssize_t in = vmsplice(spliced[1], iov, 2, 0);
    if (in != (ssize_t)(sizeof header + len) || splice(spliced[0], NULL, device, NULL, in, 0) != in)
    {
        close(spliced[0]); close(spliced[1]); spliced[0] = spliced[1] = -1; /* a refused reply: drop what is left */
    }
    fuse_reply_none(req); /* answered: libfuse only frees the request */
}

static void attributes(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    if (ino == 1) { st->st_mode = S_IFDIR | 0755; st->st_nlink = 2; return; }
    st->st_mode = S_IFREG | 0444; st->st_nlink = 1; st->st_size = size; st->st_blksize = 1 << 20;
}

static void lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fuse_entry_param e = {.ino = 2};
    if (parent != 1 || strcmp(name, "big") != 0) { fuse_reply_err(req, ENOENT); return; }
    attributes(2, &e.attr);
    fuse_reply_entry(req, &e);
}

static void getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct stat st;
    attributes(ino, &st);
    fuse_reply_attr(req, &st, 0);
}

static void open_big(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fi->direct_io = 1;
    fuse_reply_open(req, fi);
}

static void read_big(fuse_req_t req, fuse_ino_t ino, size_t n, off_t off, struct fuse_file_info *fi)
{
    size_t count = (off >= size ? 0 : (size_t)(size - off) < n ? (size_t)(size - off) : n) / ELEMENT;
    size_t first = (size_t)(off / ELEMENT) % (ring_elements - MAX_ELEMENTS);
    if (count > MAX_ELEMENTS) count = MAX_ELEMENTS;
    if (reply_mode[0] == 'n') { fuse_reply_buf(req, none, count * ELEMENT); return; }
    if (reply_mode[0] == 'p' || reply_mode[0] == 's') { /* packed: elements back to back, answered straight from the ring */
        size_t start = ((size_t)off % (ring_elements * STRIDE - (1 << 20))) / ELEMENT * ELEMENT;
        if (reply_mode[0] == 's') reply_spliced(req, ring + start, count * ELEMENT);
        else fuse_reply_buf(req, ring + start, count * ELEMENT);
        return; }
    if (reply_mode[0] == 'c')
    {
        char *out = malloc(count * ELEMENT + 1);
        for (size_t i = 0; i < count; i++) memcpy(out + i * ELEMENT, ring + (first + i) * STRIDE, ELEMENT);
        fuse_reply_buf(req, out, count * ELEMENT);
        free(out);
        return;
    }
    struct iovec iov[MAX_ELEMENTS];
    for (size_t i = 0; i < count; i++) { iov[i].iov_base = ring + (first + i) * STRIDE; iov[i].iov_len = ELEMENT; }
    fuse_reply_iov(req, iov, (int)count);
}

int main(int argc, char *argv[])
{
    static struct fuse_lowlevel_ops ops = {.lookup = lookup, .getattr = getattr, .open = open_big, .read = read_big};
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    char *mountpoint;
    int multithreaded, foreground;
    size = atoll(getenv("NULLFS_SIZE") ? getenv("NULLFS_SIZE") : "1073741824");
    reply_mode = getenv("REPLY") ? getenv("REPLY") : "copy";
    size_t ring_bytes = (size_t)atoi(getenv("RING_MB") ? getenv("RING_MB") : "64") << 20;
    ring_elements = ring_bytes / STRIDE;
    ring = malloc(ring_bytes);
    memset(ring, 'x', ring_bytes);
    if (fuse_parse_cmdline(&args, &mountpoint, &multithreaded, &foreground) == -1) return 1;
    struct fuse_chan *ch = fuse_mount(mountpoint, &args);
    struct fuse_session *se = ch ? fuse_lowlevel_new(&args, &ops, sizeof ops, NULL) : NULL;
    if (!se) return 1;
    fuse_session_add_chan(se, ch);
    device = fuse_chan_fd(ch);
    fuse_daemonize(foreground);
    if (large_reads_init(se, ch)) return 1;
    int failed = fuse_session_loop_mt(se);
    fuse_session_remove_chan(ch);
    fuse_session_destroy(se);
    fuse_unmount(mountpoint, ch);
    return failed ? 1 : 0;
}
