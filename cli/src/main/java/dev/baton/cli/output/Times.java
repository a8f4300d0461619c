package dev.baton.cli.output;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** {@code --time-format}: a time as the wire has it (ISO, UTC) or relative to now ({@code 3m ago}, {@code in 5s}). */
public final class Times {
    public enum Style { RELATIVE, ISO }

    private final Style style;

    public Times(Style style) {
        this.style = style;
    }

    public String format(String iso) {
        if (iso == null || iso.isEmpty() || "null".equals(iso)) {
            return "-";
        }
        if (style == Style.ISO) {
            return iso;
        }
        try {
            return relative(Instant.parse(iso), Instant.now());
        } catch (DateTimeParseException e) {
            return iso;
        }
    }

    static String relative(Instant t, Instant now) {
        Duration d = Duration.between(t, now);
        boolean past = !d.isNegative();
        String span = span(d.abs());
        if ("now".equals(span)) {
            return span;
        }
        return past ? span + " ago" : "in " + span;
    }

    /** A duration in its largest unit (and the next one while the first is small): 42s, 3m10s, 5h, 2d4h. */
    public static String span(Duration d) {
        long s = d.toSeconds();
        if (s < 1) {
            return "now";
        }
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + (s < 600 && s % 60 != 0 ? s % 60 + "s" : "");
        }
        if (s < 86_400) {
            return s / 3600 + "h" + (s < 36_000 && s % 3600 / 60 != 0 ? s % 3600 / 60 + "m" : "");
        }
        return s / 86_400 + "d" + (s < 864_000 && s % 86_400 / 3600 != 0 ? s % 86_400 / 3600 + "h" : "");
    }
}
