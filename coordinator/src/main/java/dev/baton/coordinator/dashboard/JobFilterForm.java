package dev.baton.coordinator.dashboard;

import dev.baton.common.JobStatus;
import dev.baton.common.StorableText;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.service.Ids;
import io.micronaut.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The jobs page's filter as the query string gives it (status, queue, type, payload search, page
 * cursor), read into the filter GET /api/v1/jobs uses: the same statement, newest first, keyset
 * paged on id.
 */
public record JobFilterForm(String status, String queue, String type, String q, String cursor) {
    static final int PAGE = 50;

    static JobFilterForm read(HttpRequest<?> request) {
        return new JobFilterForm(param(request, "status"), param(request, "queue"), param(request, "type"),
                param(request, PayloadQuery.FIELD), param(request, "cursor"));
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
        return new JobQueries.Filter(parsed, queue, type, null, PayloadQuery.toContainment(q), null, null, before, PAGE);
    }

    /** The query string of this filter at another page ({@code cursor} null: the first). */
    String link(String atCursor) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("status", status);
        p.put("queue", queue);
        p.put("type", type);
        p.put(PayloadQuery.FIELD, q);
        p.put("cursor", atCursor);
        String query = Show.query(p);
        return "/ui/jobs" + (query.isEmpty() ? "" : "?" + query);
    }

    private static String param(HttpRequest<?> request, String name) {
        String v = request.getParameters().get(name);
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
