package dev.baton.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The one summary line a benchmark prints on stdout: {@code name=value …}. */
final class Line {
    private final List<String> parts = new ArrayList<>();

    Line(String figure) {
        add("figure", figure);
    }

    Line add(String name, Object value) {
        String v = switch (value) {
            case Double d when d.isNaN() || d.isInfinite() -> "n/a";
            case Double d when Math.abs(d) >= 100 -> String.format(Locale.ROOT, "%.0f", d);
            case Double d when Math.abs(d) >= 10 -> String.format(Locale.ROOT, "%.1f", d);
            case Double d -> String.format(Locale.ROOT, "%.2f", d);
            default -> String.valueOf(value).replace(' ', '_');
        };
        parts.add(name + "=" + v);
        return this;
    }

    /** {@code a / b}, or NaN when b is not positive. */
    static double ratio(double a, double b) {
        return b > 0 ? a / b : Double.NaN;
    }

    void print() {
        System.out.println(String.join(" ", parts));
        System.out.flush();
    }
}
