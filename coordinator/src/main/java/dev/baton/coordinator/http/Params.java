package dev.baton.coordinator.http;

import dev.baton.common.StorableText;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.service.Checks;
import io.micronaut.http.HttpRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Query parameters, read strictly: a bad one is a 400 naming it. */
final class Params {
    private Params() {
    }

    static String text(HttpRequest<?> request, String name) {
        String v = request.getParameters().get(name);
        return v == null || v.isEmpty() ? null : storable(name, v);
    }

    /** Every value of a repeatable parameter, each checked as {@link #text} checks one. */
    static List<String> all(HttpRequest<?> request, String name) {
        return request.getParameters().getAll(name).stream().map(v -> storable(name, v)).toList();
    }

    /** A value PostgreSQL cannot hold (a NUL) would fail in the database as a 500: refuse it here. */
    private static String storable(String name, String value) {
        String problem = StorableText.problem(value);
        if (problem != null) {
            throw BatonException.invalid(name, problem);
        }
        return value;
    }

    static int integer(HttpRequest<?> request, String name, int min, int max, int fallback) {
        String v = text(request, name);
        if (v == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(v);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw BatonException.invalid(name, "must be a whole number between " + min + " and " + max);
    }

    static Instant instant(HttpRequest<?> request, String name) {
        String v = text(request, name);
        if (v == null) {
            return null;
        }
        try {
            Instant value = Instant.parse(v);
            if (Checks.isRfc3339Year(value)) {
                return value;
            }
        } catch (DateTimeParseException e) {
            // fall through
        }
        throw BatonException.invalid(name, "must be an RFC 3339 UTC time such as 2026-11-22T10:00:00Z");
    }
}
