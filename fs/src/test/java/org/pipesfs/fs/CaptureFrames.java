package org.pipesfs.fs;

import org.pipesfs.nic.pcap.CaptureReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/** A capture's frames and conversations, for tests that compare what two captures hold. */
final class CaptureFrames
{
    private CaptureFrames()
    {
    }

    /**
     * The same frames, each as often, in any order (sorted copies compared: AssertJ's
     * any-order comparison is quadratic, minutes for a few hundred thousand frames).
     */
    static void assertSame(final String what, final List<String> actual, final List<String> expected)
    {
        final List<String> a = new ArrayList<>(actual);
        final List<String> e = new ArrayList<>(expected);
        Collections.sort(a);
        Collections.sort(e);
        if (!a.equals(e))
        {
            final List<String> missing = new ArrayList<>(e);
            missing.removeAll(new HashSet<>(a));
            final List<String> extra = new ArrayList<>(a);
            extra.removeAll(new HashSet<>(e));
            throw new AssertionError(what + ": " + a.size() + " frames against " + e.size() + " expected; "
                + missing.size() + " missing, " + extra.size() + " not expected"
                + (missing.isEmpty() ? "" : "\nfirst missing:      " + missing.get(0))
                + (extra.isEmpty() ? "" : "\nfirst not expected: " + extra.get(0)));
        }
    }

    /**
     * The same frames in the same order, byte for byte, read side by side (a million frames
     * need no list).
     *
     * @return how many frames both hold
     */
    static long assertSameInOrder(final String what, final Path actual, final Path expected)
    {
        long frames = 0;
        try (CaptureReader a = CaptureReader.open(actual); CaptureReader e = CaptureReader.open(expected))
        {
            while (true)
            {
                final boolean more = e.next();
                if (a.next() != more)
                {
                    throw new AssertionError(what + ": " + (more ? "ends after " : "has more than ") + frames + " frames"
                        + (more ? "; expected more" : ""));
                }
                if (!more)
                {
                    return frames;
                }
                final byte[] x = new byte[a.capturedLength()];
                final byte[] y = new byte[e.capturedLength()];
                a.buffer().getBytes(a.offset(), x);
                e.buffer().getBytes(e.offset(), y);
                if (!java.util.Arrays.equals(x, y))
                {
                    throw new AssertionError(what + ": frame " + (frames + 1) + " differs\nactual:   "
                        + HexFormat.of().formatHex(x) + "\nexpected: " + HexFormat.of().formatHex(y));
                }
                frames++;
            }
        }
    }

    /** Every frame of a capture, as hex. */
    static List<String> of(final Path capture)
    {
        final List<String> frames = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(capture))
        {
            while (reader.next())
            {
                final byte[] bytes = new byte[reader.capturedLength()];
                reader.buffer().getBytes(reader.offset(), bytes);
                frames.add(HexFormat.of().formatHex(bytes));
            }
        }
        return frames;
    }

    /** TCP and UDP conversations of a capture, both directions as one, as tshark lists them. */
    static Set<String> conversations(final Path capture) throws Exception
    {
        final String out = Shell.run(120, "tshark -n -r " + capture
            + " -Y 'tcp or udp' -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport"
            + " -e udp.srcport -e udp.dstport 2>/dev/null").out();
        final Set<String> flows = new HashSet<>();
        for (final String line : out.split("\n"))
        {
            final String[] f = line.split("\t", -1);
            if (f.length < 8)
            {
                continue;
            }
            final String a = f[0] + f[2] + ":" + f[4] + f[6];
            final String b = f[1] + f[3] + ":" + f[5] + f[7];
            flows.add(a.compareTo(b) < 0 ? a + " " + b : b + " " + a);
        }
        return flows;
    }
}
