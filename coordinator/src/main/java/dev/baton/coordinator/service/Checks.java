package dev.baton.coordinator.service;

import dev.baton.common.Responses.FieldError;
import dev.baton.coordinator.error.BatonException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Collects every field violation of one request, then throws them together as one 400. */
public final class Checks {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:\\-]{0,99}");
    private final List<FieldError> errors = new ArrayList<>();
    private final String prefix;

    public Checks(String prefix) {
        this.prefix = prefix;
    }

    public Checks() {
        this("");
    }

    public void fail(String field, String message) {
        errors.add(new FieldError(prefix + field, message));
    }

    public void required(String field, Object value) {
        if (value == null) {
            fail(field, "is required");
        }
    }

    public void range(String field, Number value, long min, long max) {
        if (value != null && (value.longValue() < min || value.longValue() > max)) {
            fail(field, "must be between " + min + " and " + max);
        }
    }

    public void range(String field, Double value, double min, double max) {
        if (value != null && (value.isNaN() || value < min || value > max)) {
            fail(field, "must be between " + min + " and " + max);
        }
    }

    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    // PostgreSQL keeps microseconds and rounds the rest: a later instant in 9999's last
    // microsecond would be stored, and answered, as +10000-01-01T00:00:00Z.
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    /**
     * RFC 3339 years have four digits. Later or earlier instants parse in Java but PostgreSQL
     * either rejects them (a 500) or stores them as -infinity, so they are a 400 here.
     */
    public static boolean isRfc3339Year(Instant value) {
        return !value.isBefore(EARLIEST) && !value.isAfter(LATEST);
    }

    public void time(String field, Instant value) {
        if (value != null && !isRfc3339Year(value)) {
            fail(field, "must be a time between years 0001 and 9999");
        }
    }

    public void length(String field, String value, int min, int max) {
        if (value != null && (value.length() < min || value.length() > max)) {
            fail(field, min == max ? "must be " + min + " characters" : "must be " + min + " to " + max + " characters");
        }
    }

    public void name(String field, String value) {
        if (value != null && !NAME.matcher(value).matches()) {
            fail(field, "must be 1 to 100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
        }
    }

    public void labels(String field, Map<String, String> labels) {
        if (labels == null) {
            return;
        }
        if (labels.size() > 50) {
            fail(field, "at most 50 labels");
        }
        labels.forEach((k, v) -> {
            if (k.isEmpty() || k.length() > 100 || k.indexOf(':') >= 0) {
                fail(field + "." + k, "label names are 1 to 100 characters without ':'");
            }
            if (v == null) {
                fail(field + "." + k, "label values are strings");
            } else if (v.length() > 500) {
                fail(field + "." + k, "label values are at most 500 characters");
            }
        });
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    public List<FieldError> errors() {
        return errors;
    }

    public void throwIfAny() {
        if (!errors.isEmpty()) {
            throw BatonException.invalid(errors);
        }
    }
}
