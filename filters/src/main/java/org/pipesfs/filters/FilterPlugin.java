package org.pipesfs.filters;

/**
 * Adds filters from outside: a jar on the classpath that lists an implementation in
 * {@code META-INF/services/org.pipesfs.filters.FilterPlugin} makes its names usable as
 * directory names. Built-in names win; plugins are asked in classpath order.
 */
public interface FilterPlugin
{
    /**
     * The filter {@code name} stands for, or null if this plugin does not know the name.
     *
     * @throws FilterSpecException if the plugin owns the name but the value is impossible.
     */
    Filter create(String name);
}
