package org.pipesfs.fs;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code pipesfs} command line: {@code mount}, {@code umount}, {@code status}, {@code synth},
 * {@code man}, {@code completion}, {@code extcap}, {@code help} (as {@code --help}), version, and
 * the form mount.fuse calls.
 */
@Command(
    name = "pipesfs",
    mixinStandardHelpOptions = true,
    version = "pipesfs 0.1.0",
    description = "Packet I/O paths as files: a FUSE filesystem whose directories are packet filters.",
    subcommands = {MountCommand.class, UmountCommand.class, StatusCommand.class, SynthCommand.class, DocsCommands.Man.class,
        DocsCommands.Completion.class, ExtcapCommand.class, CommandLine.HelpCommand.class})
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
        final CommandLine line = new CommandLine(new PipesFsCommand());
        return line.execute(MountHelperForm.translate(args, line.getSubcommands().keySet()));
    }

    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "missing command: use " + String.join(", ", spec.subcommands().keySet()));
    }
}
