package dev.baton.coordinator.dashboard;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Job;
import dev.baton.common.Json;
import dev.baton.common.StorableText;
import dev.baton.common.Requests;
import dev.baton.coordinator.error.BatonException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The edit form of a queued job, as PATCH /jobs/{id} takes it: the version it was opened at, each
 * field's value then ({@code base_<field>}, hidden) and as the user left it. Only the fields the
 * user changed are sent, so re-applying an edit on a newer version keeps what others changed in
 * the other fields.
 */
public record EditForm(long version, Map<String, String> base, Map<String, String> yours) {
    public static final List<String> FIELDS = List.of("priority", "maxAttempts", "runAt", "payload", "labels");
    static final String BASE = "base_";

    static EditForm of(Job job) {
        Map<String, String> values = values(job);
        return new EditForm(job.version(), values, values);
    }

    static Map<String, String> values(Job job) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("priority", Integer.toString(job.priority()));
        v.put("maxAttempts", Integer.toString(job.maxAttempts()));
        v.put("runAt", job.runAt().toString());
        v.put("payload", Show.json(job.payload()));
        v.put("labels", Show.json(job.labels()));
        return v;
    }

    /** The form as posted; 400 when its version is missing or not a number. */
    static EditForm read(Map<String, String> form) {
        Map<String, String> base = new LinkedHashMap<>();
        Map<String, String> yours = new LinkedHashMap<>();
        for (String f : FIELDS) {
            base.put(f, form == null ? null : form.get(BASE + f));
            yours.put(f, form == null ? null : form.get(f));
        }
        return new EditForm(version(form), base, yours);
    }

    /** The form's {@code expectedVersion}: the dashboard never acts without one. */
    static long version(Map<String, String> form) {
        String v = form == null ? null : form.get("expectedVersion");
        try {
            return Long.parseLong(Objects.requireNonNull(v).strip());
        } catch (RuntimeException e) {
            throw BatonException.invalid("expectedVersion", "is required: reload the job and try again");
        }
    }

    /** The fields whose value differs from the one the form was opened with. */
    List<String> changed() {
        List<String> out = new ArrayList<>();
        for (String f : FIELDS) {
            if (yours.get(f) != null && !same(f, base.get(f), yours.get(f))) {
                out.add(f);
            }
        }
        return out;
    }

    /** The PATCH of the changed fields at {@code expectedVersion}; 400 naming a field that cannot be read. */
    Requests.Patch patch() {
        List<String> changed = changed();
        return new Requests.Patch(version,
                changed.contains("priority") ? whole("priority", yours.get("priority")) : null,
                changed.contains("runAt") ? time(yours.get("runAt")) : null,
                changed.contains("payload") ? json("payload", yours.get("payload")) : null,
                changed.contains("maxAttempts") ? whole("maxAttempts", yours.get("maxAttempts")) : null,
                changed.contains("labels") ? labels(yours.get("labels")) : null);
    }

    /** Whether two texts of {@code field} mean the same value (JSON however spaced, times however written). */
    static boolean same(String field, String a, String b) {
        if (a == null || b == null) {
            return a == null && b == null;
        }
        try {
            return switch (field) {
                case "priority", "maxAttempts" -> Long.parseLong(a.strip()) == Long.parseLong(b.strip());
                case "runAt" -> Instant.parse(a.strip()).equals(Instant.parse(b.strip()));
                default -> Json.mapper().readTree(a).equals(Json.mapper().readTree(b));
            };
        } catch (Exception unreadable) {
            return a.strip().equals(b.strip());
        }
    }

    static Integer whole(String field, String v) {
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw BatonException.invalid(field, "must be a whole number");
        }
    }

    static Instant time(String v) {
        try {
            return Instant.parse(v.strip());
        } catch (DateTimeParseException e) {
            throw BatonException.invalid("runAt", "must be an RFC 3339 UTC time such as 2026-11-22T10:00:00Z");
        }
    }

    static JsonNode json(String field, String v) {
        try {
            JsonNode node = Json.mapper().readTree(v);
            if (node == null || node.isMissingNode()) {
                throw BatonException.invalid(field, "must be JSON");
            }
            storable(field, node);
            return node;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw BatonException.invalid(field, "is not valid JSON");
        }
    }

    /**
     * The API's check on what it reads (a NUL or a lone UTF-16 surrogate in a key or a string is
     * refused, naming where): PostgreSQL would refuse the one and the driver store '?' for the other.
     */
    private static void storable(String at, JsonNode node) {
        if (node.isTextual()) {
            String problem = StorableText.problem(node.textValue());
            if (problem != null) {
                throw BatonException.invalid(at, problem);
            }
        }
        for (var it = node.fields(); it.hasNext(); ) {
            var field = it.next();
            String problem = StorableText.problem(field.getKey());
            if (problem != null) {
                throw BatonException.invalid(at + " (a key)", problem);
            }
            storable(at + "." + field.getKey(), field.getValue());
        }
        for (int i = 0; node.isArray() && i < node.size(); i++) {
            storable(at + "[" + i + "]", node.get(i));
        }
    }

    static Map<String, String> labels(String v) {
        try {
            Map<String, String> labels = Json.mapper().readValue(v, new TypeReference<Map<String, String>>() { });
            if (labels == null) { // the text "null": no object at all
                throw BatonException.invalid("labels", "must be a JSON object of strings, such as {\"team\": \"billing\"}");
            }
            labels.forEach((k, value) -> {
                String problem = StorableText.problem(k) != null ? StorableText.problem(k)
                        : value == null ? null : StorableText.problem(value);
                if (problem != null) {
                    throw BatonException.invalid("labels", problem);
                }
            });
            return labels;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw BatonException.invalid("labels", "must be a JSON object of strings, such as {\"team\": \"billing\"}");
        }
    }
}
