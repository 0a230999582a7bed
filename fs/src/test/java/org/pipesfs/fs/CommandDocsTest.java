package org.pipesfs.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The manual page through man(1), the completion script in a real bash, and {@code help}. */
class CommandDocsTest
{
    private static String pipesfs(final String... args)
    {
        return String.join(" ", Shell.pipesfs(args));
    }

    @Test
    void theManualPageRendersEveryCommandAndOption(@TempDir final Path dir) throws Exception
    {
        final Path page = dir.resolve("pipesfs.1");
        assertThat(Shell.run(60, pipesfs("man") + " > " + page).exit()).isZero();
        final Shell.Result man = Shell.run(60, "MANWIDTH=100 man -l " + page);
        assertThat(man.exit()).as(man.err()).isZero();
        assertThat(man.err()).isEmpty();
        assertThat(man.out()).contains("PIPESFS(1)").contains("NAME\n       pipesfs - Packet I/O paths as files")
            .contains("pipesfs mount [-fhV]").contains("pipesfs synth").contains("pipesfs SOURCE MOUNTPOINT [-o OPTIONS]")
            .contains("--source SPEC").contains("--policy lossless|lossy").contains("--count N").contains("SEE ALSO");
    }

    @Test
    void bashCompletesCommandsOptionsAndSourceKinds(@TempDir final Path dir) throws Exception
    {
        final Path script = dir.resolve("pipesfs.bash");
        assertThat(Shell.run(60, pipesfs("completion") + " > " + script).exit()).isZero();
        final String complete = "source " + script + "; f=$(complete -p pipesfs | sed 's/.* -F \\([^ ]*\\) .*/\\1/'); "
            + "ask() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); "
            + "$f pipesfs \"${@: -1}\" \"${@: -2:1}\" 2>/dev/null; echo \"${COMPREPLY[*]}\"; }; ";
        final Shell.Result result = Shell.run(30, "bash -c '" + complete.replace("'", "'\\''")
            + "ask pipesfs mo; ask pipesfs mount --source p; ask pipesfs mount --pol; ask pipesfs s; ask pipesfs sy'");
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out().split("\n")).containsExactly("mount", "pcap: pcap:-", "--policy", "status synth", "synth");
    }

    @Test
    void helpIsTheSameAsDashDashHelpAndNamesEveryCommand() throws Exception
    {
        final Shell.Result help = Shell.run(60, pipesfs("help"));
        final Shell.Result dashes = Shell.run(60, pipesfs("--help"));
        assertThat(help.exit()).isZero();
        assertThat(help.out()).isEqualTo(dashes.out());
        assertThat(help.out()).contains("  mount ").contains("  umount ").contains("  status ").contains("  synth ").contains("  man ")
            .contains("  completion ").contains("  extcap ").contains("  help ");
        final Shell.Result none = Shell.run(60, pipesfs());
        assertThat(none.exit()).isNotZero();
        assertThat(none.err()).contains("missing command: use mount, umount, status, synth, man, completion, extcap, help");
    }
}
