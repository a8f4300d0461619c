package dev.baton.cli.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.baton.common.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttemptsTest {
    private static JsonNode event(String type, String from, String to, int attempt, String worker) {
        return Json.mapper().createObjectNode().put("type", type).put("fromStatus", from).put("toStatus", to)
                .put("attempt", attempt).put("workerId", worker).put("at", "2026-11-22T10:00:0" + attempt + "Z");
    }

    @Test
    void eachClaimStartsAnAttemptAndItsFirstExitFromRunningEndsIt() {
        List<JsonNode> events = new ArrayList<>(List.of(
                event("enqueued", null, "queued", 0, null),
                event("claimed", "queued", "running", 1, "w-1"),
                event("progress", "running", "running", 1, "w-1"),
                event("lease_expired", "running", "queued", 1, "w-1"),
                event("claimed", "queued", "running", 2, "w-2"),
                event("completed", "running", "succeeded", 2, "w-2")));
        ArrayNode attempts = Attempts.from(events);
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).path("workerId").asText()).isEqualTo("w-1");
        assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("lease_expired");
        assertThat(attempts.get(1).path("outcome").asText()).isEqualTo("completed");
    }

    @Test
    void anAttemptStillRunningHasNoOutcome() {
        ArrayNode attempts = Attempts.from(List.of(event("claimed", "queued", "running", 1, "w-1")));
        assertThat(attempts.get(0).path("outcome").isNull()).isTrue();
        assertThat(attempts.get(0).path("endedAt").isNull()).isTrue();
    }

    @Test
    void aCancelOfAQueuedJobEndsNoAttempt() {
        ArrayNode attempts = Attempts.from(List.of(
                event("claimed", "queued", "running", 1, "w-1"),
                event("retry_scheduled", "running", "queued", 1, "w-1"),
                event("cancelled", "queued", "cancelled", 1, null)));
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("retry_scheduled");
    }
}
