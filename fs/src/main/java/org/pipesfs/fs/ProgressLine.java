package org.pipesfs.fs;

import org.pipesfs.fs.files.SourcePump;
import org.pipesfs.nic.FrameSource;

import java.util.Locale;

/** Shows a finite source's progress on the terminal of a foreground mount, once a second. */
final class ProgressLine
{
    private ProgressLine()
    {
    }

    static void start(final SourcePump pump)
    {
        final Thread thread = new Thread(() ->
        {
            final FrameSource source = pump.source();
            while (true)
            {
                final SourcePump.State state = pump.state();
                System.err.printf(Locale.ROOT, "\rpipesfs: %s %5.1f%%  %d packets  %s   ",
                    source.describe(), 100 * Math.max(0, source.progress()), source.packets(), state.label());
                if (state == SourcePump.State.ENDED || state == SourcePump.State.STOPPED)
                {
                    System.err.println();
                    return;
                }
                try
                {
                    Thread.sleep(1000);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }, "pipesfs-progress");
        thread.setDaemon(true);
        thread.start();
    }
}
