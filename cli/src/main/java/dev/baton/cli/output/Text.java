package dev.baton.cli.output;

/**
 * Text from the coordinator (a job's type, labels, last error, log lines, a refusal's detail) as a
 * terminal may show it: anyone who can enqueue or work a job chose it, and a control character
 * printed raw (ESC, BEL, a carriage return, a line break) would let them clear the operator's
 * screen, retitle the window, overwrite lines or break a table. Each is shown escaped instead,
 * but for a colour sequence ({@code ESC [ digits ; m}, SGR), which is what {@link Colour} writes
 * around a cell: it changes colours only (data can still colour text; noted, not fixed).
 */
public final class Text {
    private Text() {
    }

    /** {@code text} with every C0 and C1 control character and DEL written as an escape ({@code \n}, {@code \e}, {@code \x07}…). */
    public static String visible(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            boolean control = ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch <= 0x9f);
            if (!control) {
                if (sb != null) {
                    sb.append(ch);
                }
                continue;
            }
            int sgrEnd = ch == 0x1b ? sgrEnd(text, i) : -1;
            if (sgrEnd > 0) {
                if (sb != null) {
                    sb.append(text, i, sgrEnd);
                }
                i = sgrEnd - 1;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            switch (ch) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 0x1b -> sb.append("\\e");
                default -> sb.append(String.format("\\x%02x", (int) ch));
            }
        }
        return sb == null ? text : sb.toString();
    }

    /** The end (exclusive) of the SGR sequence {@code ESC [ [0-9;]* m} at {@code at}, or -1. */
    private static int sgrEnd(String text, int at) {
        if (at + 1 >= text.length() || text.charAt(at + 1) != '[') {
            return -1;
        }
        for (int j = at + 2; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == 'm') {
                return j + 1;
            }
            if (!(c == ';' || (c >= '0' && c <= '9'))) {
                return -1;
            }
        }
        return -1;
    }
}
