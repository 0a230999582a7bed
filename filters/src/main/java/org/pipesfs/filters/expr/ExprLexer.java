package org.pipesfs.filters.expr;

import org.pipesfs.filters.FilterSpecException;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a pcap-filter expression into tokens as libpcap's scanner does: words (names,
 * numbers, addresses, escaped protocol names), parentheses, brackets and colons of byte
 * loads, relations, arithmetic, and the boolean operators in both spellings.
 */
final class ExprLexer
{
    enum Kind
    {
        WORD, LPAREN, RPAREN, LBRACK, RBRACK, COLON, RELOP, ARITH, NOT, AND, OR, END
    }

    record Token(Kind kind, String text)
    {
    }

    private ExprLexer()
    {
    }

    static List<Token> lex(final String s)
    {
        final List<Token> out = new ArrayList<>();
        int brackets = 0;
        int i = 0;
        while (i < s.length())
        {
            final char c = s.charAt(i);
            if (Character.isWhitespace(c))
            {
                i++;
                continue;
            }
            final String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
            switch (two)
            {
                case "&&" -> { out.add(new Token(Kind.AND, two)); i += 2; continue; }
                case "||" -> { out.add(new Token(Kind.OR, two)); i += 2; continue; }
                case "!=", ">=", "<=", "==" -> { out.add(new Token(Kind.RELOP, two)); i += 2; continue; }
                default -> { }
            }
            switch (c)
            {
                case '(' -> out.add(new Token(Kind.LPAREN, "("));
                case ')' -> out.add(new Token(Kind.RPAREN, ")"));
                case '[' -> { out.add(new Token(Kind.LBRACK, "[")); brackets++; }
                case ']' -> { out.add(new Token(Kind.RBRACK, "]")); brackets--; }
                case '!' -> out.add(new Token(Kind.NOT, "!"));
                case '=', '<', '>' -> out.add(new Token(Kind.RELOP, String.valueOf(c)));
                case '&', '|', '+', '*', '/' -> out.add(new Token(Kind.ARITH, String.valueOf(c)));
                default -> {
                    if (c == ':' && brackets > 0)
                    {
                        out.add(new Token(Kind.COLON, ":"));
                    }
                    else if (isWordChar(c, brackets))
                    {
                        int end = i;
                        while (end < s.length() && isWordChar(s.charAt(end), brackets))
                        {
                            end++;
                        }
                        final String word = s.substring(i, end);
                        out.add(switch (word)
                        {
                            case "and" -> new Token(Kind.AND, word);
                            case "or" -> new Token(Kind.OR, word);
                            case "not" -> new Token(Kind.NOT, word);
                            default -> new Token(Kind.WORD, word);
                        });
                        i = end;
                        continue;
                    }
                    else if (c == '-')
                    {
                        out.add(new Token(Kind.ARITH, "-"));
                    }
                    else
                    {
                        throw new FilterSpecException("expr: unsupported character '" + c + "' in '" + s + "'");
                    }
                }
            }
            i++;
        }
        out.add(new Token(Kind.END, "end of expression"));
        return out;
    }

    private static boolean isWordChar(final char c, final int brackets)
    {
        return Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == '\\' || (c == ':' && brackets == 0)
            || (c == '/' && brackets == 0);
    }

    // ---- boolean structure ---------------------------------------------------------------
}
