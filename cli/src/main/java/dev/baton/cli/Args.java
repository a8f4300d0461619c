package dev.baton.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the command line spells durations, times, labels and JSON. */
public final class Args {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Args() {
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 2d}. */
    public static Duration duration(String text) {
        String s = text.strip();
        Matcher m = DURATION.matcher(s);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                break;
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            end = m.end();
        }
        if (end == 0 || end != s.length()) {
            throw new CliException(ExitCodes.USAGE, "not a duration: " + text + " (say 30s, 5m, 1h30m, 2d)");
        }
        return total;
    }

    /** A point in the past: an RFC 3339 time, or a duration meaning that long ago ({@code --since 1h}). */
    public static Instant past(String text, Instant now) {
        return looksLikeTime(text) ? instant(text) : now.minus(duration(text));
    }

    /** A point in the future: an RFC 3339 time, or a duration meaning that long from now ({@code --run-at 10m}). */
    public static Instant future(String text, Instant now) {
        String s = text.startsWith("+") ? text.substring(1) : text;
        return looksLikeTime(s) ? instant(s) : now.plus(duration(s));
    }

    private static boolean looksLikeTime(String s) {
        return s.length() >= 10 && s.charAt(4) == '-';
    }

    public static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new CliException(ExitCodes.USAGE, "not an RFC 3339 UTC time: " + text + " (say 2026-11-22T10:00:00Z)");
        }
    }

    /** {@code k=v} pairs (also {@code k:v}) into a map, in the order given. */
    public static Map<String, String> labels(List<String> pairs) {
        if (pairs == null || pairs.isEmpty()) {
            return null;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String p : pairs) {
            int i = p.indexOf('=');
            if (i < 0) {
                i = p.indexOf(':');
            }
            if (i < 1) {
                throw new CliException(ExitCodes.USAGE, "a label is key=value: " + p);
            }
            labels.put(p.substring(0, i), p.substring(i + 1));
        }
        return labels;
    }

    /** JSON given inline, as {@code @file}, or {@code -} for stdin. */
    public static JsonNode json(String text, String what, InputStream stdin) {
        if (text == null) {
            return null;
        }
        String body;
        try {
            if (text.equals("-")) {
                body = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
            } else if (text.startsWith("@")) {
                body = Files.readString(Path.of(text.substring(1)));
            } else {
                body = text;
            }
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + what + " " + text + ": " + Failures.reason(e));
        }
        if (body.isBlank()) {
            // An empty payload is no JSON value (hostile review, defect 13): {} is the empty object.
            throw new CliException(ExitCodes.USAGE, what + " " + (text.equals("-") ? "from stdin" : text)
                    + " is empty: give a JSON value ({} for an empty object)");
        }
        try {
            return Json.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCodes.USAGE, what + " is not JSON: " + Failures.json(e));
        }
    }
}
