package org.pipesfs.fs;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every errno a user can meet, each from the real system call through the mount: structure
 * operations, seeking a pipe (ESPIPE) and a non-blocking read of an empty stream (EAGAIN).
 * Some are the kernel's answer before PipesFS is asked (EBUSY for the mount point, EXDEV for a
 * rename across mounts); the user sees them all the same.
 */
class ErrnoTest
{
    @Test
    void eachSystemCallFailsWithItsPosixErrno() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused"))
        {
            final String m = mount.dir.toString();
            final String script = String.join("\n",
                "import os, errno",
                "m = '" + m + "'",
                "def check(name, call):",
                "    try:",
                "        call()",
                "        print(name, 'ok')",
                "    except OSError as e:",
                "        print(name, errno.errorcode[e.errno])",
                "os.mkdir(m + '/web'); os.mkdir(m + '/web/inner')",
                "check('mkdir existing', lambda: os.mkdir(m + '/ip'))",
                "check('mkdir missing parent', lambda: os.mkdir(m + '/nope/x'))",
                "check('rmdir missing', lambda: os.rmdir(m + '/nope'))",
                "check('rmdir non-empty', lambda: os.rmdir(m + '/web'))",
                "check('mkdir under a file', lambda: os.mkdir(m + '/all/x'))",
                "check('rmdir a file', lambda: os.rmdir(m + '/all'))",
                "check('unlink a node', lambda: os.unlink(m + '/web/inner'))",
                "check('open a node for writing', lambda: os.open(m + '/ip', os.O_WRONLY))",
                "check('impossible spec', lambda: os.mkdir(m + '/port=99999'))",
                "check('reserved name', lambda: os.mkdir(m + '/x.pcap'))",
                "check('move into itself', lambda: os.rename(m + '/web', m + '/web/inner/web'))",
                "check('readlink a node', lambda: os.readlink(m + '/ip'))",
                "check('link loop', lambda: os.symlink(m + '/ip/tcp', m + '/ip/up'))",
                "check('rmdir root', lambda: os.rmdir(m))",
                "check('link outside', lambda: os.symlink('/etc', m + '/outside'))",
                "check('rename across mounts', lambda: os.rename(m + '/web', '/tmp/pipesfs-errno-web'))",
                "check('name too long', lambda: os.mkdir(m + '/' + 'n' * 256))",
                "check('write .stats', lambda: os.open(m + '/.stats', os.O_WRONLY))",
                "check('rename over non-empty', lambda: (os.mkdir(m + '/other'), os.rename(m + '/other', m + '/web')))",
                "check('symlink existing', lambda: os.symlink(m + '/ip', m + '/web'))",
                "check('unlink missing link', lambda: os.unlink(m + '/web/nolink'))");
            final Shell.Result result = Shell.run(30, "python3 -c \"$(cat <<'PY'\n" + script + "\nPY\n)\"");
            assertThat(result.out()).as(result.err()).isEqualTo(String.join("\n",
                "mkdir existing EEXIST",
                "mkdir missing parent ENOENT",
                "rmdir missing ENOENT",
                "rmdir non-empty ENOTEMPTY",
                "mkdir under a file ENOTDIR",
                "rmdir a file ENOTDIR",
                "unlink a node EISDIR",
                "open a node for writing EISDIR",
                "impossible spec EINVAL",
                "reserved name EINVAL",
                "move into itself EINVAL",
                "readlink a node EINVAL",
                "link loop ELOOP",
                "rmdir root EBUSY",
                "link outside EXDEV",
                "rename across mounts EXDEV",
                "name too long ENAMETOOLONG",
                "write .stats EACCES",
                "rename over non-empty ENOTEMPTY",
                "symlink existing EEXIST",
                "unlink missing link ENOENT") + "\n");
            assertThat(Shell.run(10, "ls " + m).out()).as("the mount is still usable").contains("ip");
        }
    }

    @Test
    void seekingGivesEspipeAndAnEmptyNonBlockingStreamGivesEagain() throws Exception
    {
        try (FuseMount mount = FuseMount.start("--paused"))
        {
            final Shell.Result result = Shell.run(10, "python3 -c \"import os, errno\n"
                + "fd = os.open('" + mount.path("all") + "', os.O_RDONLY | os.O_NONBLOCK)\n"
                + "try:\n    os.lseek(fd, 10, os.SEEK_SET)\nexcept OSError as e:\n    print(errno.errorcode[e.errno])\n"
                + "try:\n    os.read(fd, 4096)\nexcept OSError as e:\n    print(errno.errorcode[e.errno])\n"
                + "os.close(fd)\"");
            assertThat(result.out()).as(result.err()).isEqualTo("ESPIPE\nEAGAIN\n");
        }
    }
}
