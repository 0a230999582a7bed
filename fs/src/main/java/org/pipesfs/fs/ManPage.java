package org.pipesfs.fs;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.time.LocalDate;

/**
 * The {@code pipesfs(1)} manual page in troff ({@code man} macros), generated from the command
 * definitions themselves, so that it says what the parser accepts: every command's synopsis,
 * description, options and parameters, then the files and where to read more.
 */
final class ManPage
{
    private ManPage()
    {
    }

    static String render(final CommandLine root)
    {
        final StringBuilder page = new StringBuilder(8192);
        final CommandSpec spec = root.getCommandSpec();
        page.append(".TH PIPESFS 1 \"").append(LocalDate.now()).append("\" \"")
            .append(escape(spec.version()[0])).append("\" \"User Commands\"\n")
            .append(".ad l\n.nh\n") // left-aligned and unhyphenated: the specs are long words
            .append(".SH NAME\npipesfs \\- ").append(escape(spec.usageMessage().description()[0])).append('\n')
            .append(".SH SYNOPSIS\n");
        for (final CommandLine sub : root.getSubcommands().values())
        {
            page.append(".B pipesfs ").append(escape(sub.getCommandName())).append("\n.RI \"")
                .append(escape(sub.getHelp().synopsis(0).replaceFirst("^(Usage: )?pipesfs \\S+ ?", "").replaceAll("\\s+", " ").trim()))
                .append("\"\n.br\n");
        }
        page.append(".B pipesfs\n.I SOURCE MOUNTPOINT\n.RB [ \\-o\n.IR OPTIONS ]\n")
            .append(".SH DESCRIPTION\n")
            .append("PipesFS shows a machine's packet I/O paths as files. A network source feeds the root of the mount; every "
                + "directory is a filter fed by its parent, such as\n.IR /pipes/ip/tcp/http/get ;\nevery directory holds the pipe "
                + "files\n.B all\nand\n.BR all.pcap ,\nwhich cat, grep and tcpdump read as live packet streams. mkdir, ln \\-s, mv and "
                + "rmdir rewire the graph.\n.PP\nThe last form is the one mount.fuse uses, so that\n.B mount \\-t fuse.pipesfs\n"
                + "and /etc/fstab lines work once\n.B ./pipesfs install\nhas linked /usr/local/bin/pipesfs.\n")
            .append(".SH COMMANDS\n");
        for (final CommandLine sub : root.getSubcommands().values())
        {
            command(page, sub);
        }
        page.append(".SH FILES\n.TP\n.I MOUNT/.stats\ncounters of a node, one \"key value\" per line\n")
            .append(".TP\n.I MOUNT/.metrics\nevery counter in the Prometheus text format\n")
            .append(".TP\n.I MOUNT/.ctl\nstart, pause and stop the source\n")
            .append(".TP\n.I MOUNT/.log\nthe server's messages, live\n")
            .append(".SH SEE ALSO\n.BR tcpdump (8),\n.BR pcap-filter (7),\n.BR mount.fuse (8),\n.BR fusermount (1);\n")
            .append("docs/REFERENCE.md in the source tree.\n");
        return page.toString();
    }

    private static void command(final StringBuilder page, final CommandLine command)
    {
        final CommandSpec spec = command.getCommandSpec();
        page.append(".SS pipesfs ").append(escape(command.getCommandName())).append('\n');
        for (final String line : spec.usageMessage().description())
        {
            page.append(escape(line)).append('\n');
        }
        for (final OptionSpec option : spec.options())
        {
            if (option.usageHelp() || option.versionHelp())
            {
                continue;
            }
            if (option.arity().max() > 0)
            {
                page.append(".TP\n.BI \"").append(escape(String.join(", ", option.names()))).append(" \" \"")
                    .append(escape(option.paramLabel())).append('"');
            }
            else
            {
                page.append(".TP\n.B ").append(escape(String.join(", ", option.names())));
            }
            page.append('\n').append(escape(String.join(" ", option.description()))).append('\n');
        }
        for (final PositionalParamSpec parameter : spec.positionalParameters())
        {
            page.append(".TP\n.I ").append(escape(parameter.paramLabel())).append('\n')
                .append(escape(parameter.description().length == 0 ? "" : String.join(" ", parameter.description()))).append('\n');
        }
    }

    /** Text safe in a troff line: backslashes and minus signs escaped, no line starting with a control character. */
    private static String escape(final String text)
    {
        // "\:" lets a long spec such as pcap:FILE[:speed=max|1x|Nx],pcap:- break after its commas and brackets
        final String escaped = text.replace("\\", "\\e").replace("-", "\\-").replace(",", ",\\:").replace("]", "]\\:");
        return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
    }
}
