package dev.baton.coordinator.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Responses.Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A job's attempts, read from its events: a claim starts one (with its worker), and its completion,
 * failure, lease expiry or cancellation ends it (a failure's event holds its error).
 */
public final class Attempts {
    private Attempts() {
    }

    /** One attempt; {@code outcome} null while it runs. */
    public record Attempt(int number, String worker, Instant startedAt, Instant endedAt, String outcome,
                          String errorType, String errorMessage) {
    }

    static List<Attempt> of(List<Event> events) {
        Map<Integer, Attempt> byNumber = new TreeMap<>();
        for (Event e : events) {
            if (e.type().equals("claimed")) {
                byNumber.put(e.attempt(), new Attempt(e.attempt(), e.workerId(), e.at(), null, null, null, null));
                continue;
            }
            Attempt open = byNumber.get(e.attempt());
            if (open == null || open.outcome() != null || !ends(e.type())) {
                continue;
            }
            JsonNode d = e.detail();
            String type = d == null ? null : text(d, "type");
            String message = d == null ? null : text(d, "message");
            String outcome = switch (e.type()) {
                case "completed" -> "succeeded";
                case "cancelled" -> "cancelled";
                case "lease_expired" -> "lease expired";
                default -> "failed";
            };
            byNumber.put(e.attempt(), new Attempt(open.number(), open.worker(), open.startedAt(), e.at(), outcome,
                    e.type().equals("cancelled") ? null : type, e.type().equals("cancelled") ? null : message));
        }
        return new ArrayList<>(byNumber.values());
    }

    private static boolean ends(String type) {
        return switch (type) {
            case "completed", "failed", "retry_scheduled", "lease_expired", "cancelled" -> true;
            default -> false;
        };
    }

    private static String text(JsonNode d, String field) {
        JsonNode v = d.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
