package dev.baton.coordinator.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * A line chart drawn as SVG on the server (no script, nothing the Content-Security-Policy must
 * allow): one polyline per series over equally spaced points, scaled to a round maximum.
 */
public record LineChart(String id, String title, List<Series> series, String top, String half) {
    public static final int WIDTH = 600;
    public static final int HEIGHT = 150;

    /** A series: its name, the CSS class that colours it, its points in SVG units, and a summary for the legend. */
    public record Series(String name, String css, String points, String summary) {
    }

    /** What a series is made of: one value per point, oldest first. */
    public record Values(String name, String css, double[] values, String summary) {
    }

    static LineChart of(String id, String title, DoubleFunction<String> unit, List<Values> values) {
        double max = 0;
        for (Values v : values) {
            for (double d : v.values()) {
                max = Math.max(max, d);
            }
        }
        double top = roundUp(max);
        List<Series> series = new ArrayList<>();
        for (Values v : values) {
            series.add(new Series(v.name(), v.css(), points(v.values(), top), v.summary()));
        }
        return new LineChart(id, title, series, unit.apply(top), unit.apply(top / 2));
    }

    private static String points(double[] values, double top) {
        StringBuilder sb = new StringBuilder();
        double step = values.length > 1 ? (double) WIDTH / (values.length - 1) : 0;
        for (int i = 0; i < values.length; i++) {
            double y = HEIGHT - Math.max(0, values[i]) / top * HEIGHT;
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(String.format(Locale.ROOT, "%.1f,%.1f", i * step, y));
        }
        return sb.toString();
    }

    /** The smallest of 1, 2, 5 × 10ⁿ at or above {@code max} (1 for an empty chart). */
    static double roundUp(double max) {
        if (!(max > 0) || Double.isInfinite(max)) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(max)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * power >= max) {
                return m * power;
            }
        }
        return 10 * power;
    }
}
