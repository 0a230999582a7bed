package org.pipesfs.fs.files;

/**
 * Escapes names in the text files ({@code .graph}, {@code .stats}) the way
 * {@code /proc/self/mountinfo} does: a backslash, newline, tab or space becomes a backslash and
 * three octal digits ({@code \134}, {@code \012}, {@code \011}, {@code \040}). A name can then
 * never add a line, or pass for the {@code " -> "} of a link; {@code printf '%b'} undoes it.
 */
public final class OctalEscape
{
    private OctalEscape()
    {
    }

    /** Every special character escaped: for fields that end at a space. */
    public static String field(final String text)
    {
        return escape(text, true);
    }

    /** Spaces kept: for a value that runs to the end of its line. */
    static String value(final String text)
    {
        return escape(text, false);
    }

    private static String escape(final String text, final boolean spaces)
    {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            final boolean special = c == '\\' || c == '\n' || c == '\t' || (spaces && c == ' ');
            if (special && out == null)
            {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (special)
            {
                out.append('\\').append((char)('0' + (c >> 6))).append((char)('0' + ((c >> 3) & 7))).append((char)('0' + (c & 7)));
            }
            else if (out != null)
            {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }
}
