package org.pipesfs.fs;

import org.pipesfs.nic.kafka.KafkaSource;
import org.pipesfs.nic.live.LiveSource;
import org.pipesfs.nic.pcap.PcapStdinSource;
import org.pipesfs.nic.pcap.ReplaySpec;
import org.pipesfs.nic.synthetic.SyntheticSpec;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The commands that print help for other tools: {@code pipesfs man} (the manual page, for
 * {@code man -l -} or {@code /usr/local/share/man/man1/pipesfs.1}) and {@code pipesfs completion}
 * (a bash completion script for {@code /etc/bash_completion.d/pipesfs}). Both are generated
 * from the command definitions, so they cannot drift from what the parser accepts.
 */
final class DocsCommands
{
    private DocsCommands()
    {
    }

    @Command(name = "man", description = "Print the pipesfs(1) manual page (troff).")
    static final class Man implements Runnable
    {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        public void run()
        {
            System.out.print(ManPage.render(spec.root().commandLine()));
        }
    }

    @Command(name = "completion", description = "Print a bash completion script for pipesfs.")
    static final class Completion implements Runnable
    {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        public void run()
        {
            System.out.print(AutoComplete.bash("pipesfs", spec.root().commandLine()));
        }
    }

    /** The source kinds {@code --source} completes to. */
    static final class SourceKinds implements Iterable<String>
    {
        public java.util.Iterator<String> iterator()
        {
            return java.util.List.of(SyntheticSpec.PREFIX, ReplaySpec.PREFIX + ":", PcapStdinSource.SPEC, LiveSource.PREFIX + ":",
                KafkaSource.PREFIX + ":").iterator();
        }
    }
}
