package org.pipesfs.buffers;

import java.util.Arrays;

/**
 * Copy-on-write array edits for the registries that a hot thread reads lock-free (readers of
 * a ring, rings of a buffer, children and links of a node). Callers hold their own lock while
 * editing and publish the result through a volatile field; readers never see a partial array.
 */
public final class CopyOnWrite
{
    private CopyOnWrite()
    {
    }

    /** A new array with {@code element} appended. */
    public static <T> T[] with(final T[] array, final T element)
    {
        final T[] grown = Arrays.copyOf(array, array.length + 1);
        grown[array.length] = element;
        return grown;
    }

    /** A new array without the first occurrence of {@code element} (by identity), or the same array. */
    public static <T> T[] without(final T[] array, final T element)
    {
        for (int i = 0; i < array.length; i++)
        {
            if (array[i] == element)
            {
                final T[] shrunk = Arrays.copyOf(array, array.length - 1);
                System.arraycopy(array, i + 1, shrunk, i, array.length - i - 1);
                return shrunk;
            }
        }
        return array;
    }
}
