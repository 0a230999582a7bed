package org.pipesfs.filters;

import java.nio.file.Path;

/**
 * Where the shared captures are: the {@code pipesfs.captures} property, which the build sets
 * for every module's tests. Published in this module's test jar for the fs tests.
 */
public final class Captures
{
    public static final Path DIR = Path.of(System.getProperty("pipesfs.captures", "../../shared/captures"))
        .toAbsolutePath().normalize();

    private Captures()
    {
    }

    /** The shared capture named {@code name}. */
    public static Path of(final String name)
    {
        return DIR.resolve(name);
    }
}
