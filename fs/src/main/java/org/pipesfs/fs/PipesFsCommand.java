package org.pipesfs.fs;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code pipesfs} command line: {@code mount}, {@code umount}, help, version. */
@Command(
    name = "pipesfs",
    mixinStandardHelpOptions = true,
    version = "pipesfs 0.1.0",
    description = "Packet I/O paths as files: a FUSE filesystem whose directories are packet filters.",
    subcommands = {MountCommand.class, UmountCommand.class, SynthCommand.class})
public final class PipesFsCommand implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }

    static int execute(final String... args)
    {
        return new CommandLine(new PipesFsCommand()).execute(args);
    }

    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: use mount or umount");
    }
}
