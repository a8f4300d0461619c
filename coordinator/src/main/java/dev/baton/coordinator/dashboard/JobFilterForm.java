package dev.baton.coordinator.dashboard;

import dev.baton.common.JobStatus;
import dev.baton.common.Json;
import dev.baton.common.StorableText;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.service.Ids;
import io.micronaut.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The jobs page's filter as the query string gives it (status, queue, type, a label {@code k:v},
 * created from/to, a search in the payload, result or error, page cursor), read into the filter GET /api/v1/jobs uses: the
 * same statement, newest first, keyset paged on id. A time is RFC 3339 or an age ({@code 90m},
 * {@code 6h}, {@code 2d}: that long ago).
 */
public record JobFilterForm(String status, String queue, String type, String label, String from, String to, String q,
                            String in, String cursor) {
    static final int PAGE = 50;
    static final JobFilterForm NONE = new JobFilterForm(null, null, null, null, null, null, null, null, null);
    private static final Pattern AGE = Pattern.compile("(\\d{1,6})\\s*(m|min|h|d)");

    static JobFilterForm read(HttpRequest<?> request) {
        return new JobFilterForm(param(request, "status"), param(request, "queue"), param(request, "type"),
                param(request, "label"), param(request, "from"), param(request, "to"), param(request, SearchQuery.FIELD),
                param(request, SearchQuery.IN), param(request, "cursor"));
    }

    /** The filter; 400 naming the field that cannot be used. */
    JobQueries.Filter toFilter() {
        JobStatus parsed = null;
        if (status != null) {
            try {
                parsed = JobStatus.fromWire(status);
            } catch (IllegalArgumentException e) {
                throw BatonException.invalid("status", "is not a job status");
            }
        }
        Long before = cursor == null ? null : Ids.parseCursor("j", cursor, "cursor");
        return toFilter(parsed, before, PAGE);
    }

    /** The same filter with another status, from {@code beforeId} down, {@code limit} a page (for bulk actions). */
    JobQueries.Filter toFilter(JobStatus withStatus, Long beforeId, int limit) {
        return new JobQueries.Filter(withStatus, queue, type, labelJson(), SearchQuery.search(in, q),
                time("from", from), time("to", to), beforeId, limit);
    }

    /** The filter's fields, for a form that sends them on (a bulk action's confirmation). */
    public Map<String, String> fields() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("status", status);
        p.put("queue", queue);
        p.put("type", type);
        p.put("label", label);
        p.put("from", from);
        p.put("to", to);
        p.put(SearchQuery.FIELD, q);
        p.put(SearchQuery.IN, in);
        p.values().removeIf(Objects::isNull);
        return p;
    }

    /** The filter from a form's fields (a bulk action's post), as {@link #read} takes it from a query string. */
    static JobFilterForm of(Map<String, String> form) {
        return new JobFilterForm(field(form, "status"), field(form, "queue"), field(form, "type"), field(form, "label"),
                field(form, "from"), field(form, "to"), field(form, SearchQuery.FIELD),
                field(form, SearchQuery.IN), null);
    }

    private static String field(Map<String, String> form, String name) {
        return checked(name, form == null ? null : form.get(name));
    }

    private String labelJson() {
        if (label == null) {
            return null;
        }
        int colon = label.indexOf(':');
        if (colon <= 0) {
            throw BatonException.invalid("label", "must be key:value, such as team:billing");
        }
        return Json.write(Map.of(label.substring(0, colon).strip(), label.substring(colon + 1).strip()));
    }

    /** RFC 3339, or an age: that long before now. */
    private static Instant time(String field, String value) {
        if (value == null) {
            return null;
        }
        Matcher age = AGE.matcher(value);
        if (age.matches()) {
            long n = Long.parseLong(age.group(1));
            Duration d = switch (age.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofMinutes(n);
            };
            return Instant.now().minus(d);
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw BatonException.invalid(field, "must be a time such as 2026-11-22T10:00:00Z or an age such as 6h or 2d");
        }
    }

    /** The query string of this filter at another page ({@code cursor} null: the first). */
    String link(String atCursor) {
        Map<String, String> p = fields();
        if (atCursor != null) {
            p.put("cursor", atCursor);
        }
        String query = Show.query(p);
        return "/ui/jobs" + (query.isEmpty() ? "" : "?" + query);
    }

    private static String param(HttpRequest<?> request, String name) {
        return checked(name, request.getParameters().get(name));
    }

    private static String checked(String name, String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        String problem = StorableText.problem(v);
        if (problem != null) {
            throw BatonException.invalid(name, problem);
        }
        return v.strip();
    }
}
