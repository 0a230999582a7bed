package org.pipesfs.fs;

import org.pipesfs.fs.os.MountPoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code pipesfs umount DIR}: unmounts and waits until the kernel has dropped the mount. If
 * readers still hold files open, the unmount is made lazy so that it cannot fail; the server
 * ends their reads and exits.
 */
@Command(name = "umount", mixinStandardHelpOptions = true, description = "Unmount a PipesFS mount point.")
final class UmountCommand implements Callable<Integer>
{
    @Parameters(paramLabel = "MOUNTPOINT")
    Path mountPoint;

    public Integer call() throws Exception
    {
        if (!MountPoints.isFuseMount(mountPoint))
        {
            System.err.println("pipesfs: " + mountPoint + " is not a FUSE mount point");
            return 1;
        }
        if (fusermount("-u") != 0)
        {
            fusermount("-u", "-z");
        }
        if (!MountPoints.await(mountPoint, false, 10_000))
        {
            System.err.println("pipesfs: " + mountPoint + " is still mounted after 10 s");
            return 1;
        }
        return 0;
    }

    private int fusermount(final String... flags) throws Exception
    {
        final String[] command = new String[flags.length + 2];
        command[0] = "fusermount";
        System.arraycopy(flags, 0, command, 1, flags.length);
        command[command.length - 1] = mountPoint.toAbsolutePath().toString();
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start().waitFor();
    }
}
