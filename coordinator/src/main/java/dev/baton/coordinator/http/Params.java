package dev.baton.coordinator.http;

import dev.baton.coordinator.error.BatonException;
import io.micronaut.http.HttpRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Query parameters, read strictly: a bad one is a 400 naming it. */
final class Params {
    private Params() {
    }

    static String text(HttpRequest<?> request, String name) {
        String v = request.getParameters().get(name);
        return v == null || v.isEmpty() ? null : v;
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
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw BatonException.invalid(name, "must be an RFC 3339 UTC time such as 2026-11-22T10:00:00Z");
        }
    }
}
