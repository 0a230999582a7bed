/* What fs/LargeReads.java does, for the C filesystems of the benchmarks: answers the kernel's
 * INIT through libfuse 2 into a pipe, then sends the reply on with FUSE_MAX_PAGES and
 * max_pages 256, so the kernel sends read requests of up to 1 MiB instead of 128 KiB.
 * Call it once, after mounting and before the session loop. Returns 0 on success. */
#include <fuse_lowlevel.h>
#include <unistd.h>
struct fuse_chan *fuse_kern_chan_new(int fd); /* exported by libfuse 2, not in its headers */

static int large_reads_init(struct fuse_session *se, struct fuse_chan *ch)
{
    static char in[1 << 18];
    unsigned char out[80] = {0};
    int p[2];
    struct fuse_chan *from = ch;
    struct fuse_buf buf = {.size = sizeof in, .mem = in};
    if (pipe(p) || fuse_session_receive_buf(se, &buf, &from) <= 0) return -1;
    fuse_session_process_buf(se, &buf, fuse_kern_chan_new(p[1]));
    if (read(p[0], out, sizeof out) < 40) return -1;
    *(unsigned *)out = 80;                       /* fuse_out_header.len: the 7.28 layout */
    *(unsigned *)(out + 16 + 12) |= 1u << 22;    /* fuse_init_out.flags |= FUSE_MAX_PAGES */
    *(unsigned short *)(out + 16 + 28) = 256;    /* fuse_init_out.max_pages */
    close(p[0]);
    return write(fuse_chan_fd(ch), out, 80) == 80 ? 0 : -1;
}
