package org.pipesfs.fs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The form {@code mount.fuse} calls a FUSE filesystem in, for {@code mount -t fuse.pipesfs SOURCE
 * DIR -o OPTIONS} and {@code /etc/fstab} lines: {@code pipesfs SOURCE DIR -o OPTIONS}, turned into
 * {@code pipesfs mount --source SOURCE ... DIR}. PipesFS's own options ({@code policy=},
 * {@code buffer=}, {@code memory=}, {@code log=}, {@code bare}, {@code paused}) become its command
 * options; the options meant for mount(8) alone ({@code defaults}, {@code noauto},
 * {@code _netdev}, {@code nofail}, {@code user}, ...) and the ones mount.fuse adds for the
 * default ({@code rw}, {@code dev}, {@code suid}) are dropped; every other option goes to FUSE,
 * which refuses what it does not know. {@code kafka=} has no place here: its value holds commas.
 */
final class MountHelperForm
{
    private static final Set<String> MOUNT_ONLY = Set.of(
        "defaults", "auto", "noauto", "_netdev", "nofail", "user", "users", "nouser", "owner", "group", "comment", "rw", "dev", "suid",
        "exec", "async");

    private MountHelperForm()
    {
    }

    /**
     * {@code args} as a {@code mount} command if they are in mount.fuse's form, else unchanged.
     *
     * @param commands the command names, which a source never is
     */
    static String[] translate(final String[] args, final Set<String> commands)
    {
        if (args.length < 2 || args[0].startsWith("-") || commands.contains(args[0]) || !Files.isDirectory(Path.of(args[1])))
        {
            return args;
        }
        final List<String> mount = new ArrayList<>(List.of("mount", "--source", args[0]));
        final List<String> fuse = new ArrayList<>();
        for (int i = 2; i < args.length; i++)
        {
            if (!args[i].equals("-o") || i + 1 == args.length)
            {
                return args; // not the helper's form after all: let the parser say why
            }
            for (final String option : args[++i].split(","))
            {
                final int eq = option.indexOf('=');
                final String key = eq < 0 ? option : option.substring(0, eq);
                switch (key)
                {
                    case "policy", "buffer", "memory", "log" -> mount.addAll(List.of("--" + key, option.substring(eq + 1)));
                    case "bare", "paused" -> mount.add("--" + key);
                    case "" -> { }
                    default ->
                    {
                        if (!MOUNT_ONLY.contains(key) && !key.startsWith("x-"))
                        {
                            fuse.add(option);
                        }
                    }
                }
            }
        }
        if (!fuse.isEmpty())
        {
            mount.addAll(List.of("-o", String.join(",", fuse)));
        }
        mount.add(args[1]);
        return mount.toArray(new String[0]);
    }
}
