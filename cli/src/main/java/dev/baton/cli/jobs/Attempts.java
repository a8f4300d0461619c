package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.common.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A job's attempts, read from its events (the API has no attempts of its own): each {@code claimed}
 * event starts one, and the first event of that attempt that leaves {@code running} ends it.
 */
final class Attempts {
    private static final Set<String> ENDINGS = Set.of("completed", "failed", "retry_scheduled", "lease_expired", "cancelled");

    private Attempts() {
    }

    /** {@code [{"attempt", "workerId", "startedAt", "endedAt", "outcome", "detail"}]} in attempt order. */
    static ArrayNode from(List<JsonNode> events) {
        Map<Integer, ObjectNode> byAttempt = new LinkedHashMap<>();
        for (JsonNode e : events) {
            int n = e.path("attempt").asInt();
            String type = e.path("type").asText();
            if (type.equals("claimed")) {
                ObjectNode a = Json.mapper().createObjectNode();
                a.put("attempt", n);
                a.set("workerId", e.path("workerId"));
                a.set("startedAt", e.path("at"));
                a.putNull("endedAt");
                a.putNull("outcome");
                a.putNull("detail");
                byAttempt.put(n, a);
            } else if (ENDINGS.contains(type) && byAttempt.containsKey(n) && byAttempt.get(n).path("outcome").isNull()
                    && "running".equals(e.path("fromStatus").asText())) {
                ObjectNode a = byAttempt.get(n);
                a.set("endedAt", e.path("at"));
                a.put("outcome", type);
                a.set("detail", e.path("detail").isMissingNode() ? null : e.path("detail"));
            }
        }
        ArrayNode out = Json.mapper().createArrayNode();
        byAttempt.values().forEach(out::add);
        return out;
    }
}
