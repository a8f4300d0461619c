package dev.baton.cli.output;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Columns aligned under their headers, two spaces apart; the last column is not padded. */
public final class Table {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = List.of(headers);
    }

    public Table row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c == null ? "-" : Text.visible(String.valueOf(c)));
        }
        rows.add(r);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public void print(PrintStream out, Colour colour) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            widths[i] = headers.get(i).length();
        }
        for (List<String> r : rows) {
            for (int i = 0; i < r.size() && i < widths.length; i++) {
                widths[i] = Math.max(widths[i], Colour.width(r.get(i)));
            }
        }
        List<String> head = new ArrayList<>();
        for (String h : headers) {
            head.add(colour.bold(h));
        }
        line(out, head, widths);
        for (List<String> r : rows) {
            line(out, r, widths);
        }
    }

    private static void line(PrintStream out, List<String> cells, int[] widths) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            sb.append(c);
            if (i < cells.size() - 1) {
                sb.append(" ".repeat(widths[i] - Colour.width(c) + 2));
            }
        }
        out.println(sb.toString().stripTrailing());
    }
}
