package dev.baton.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.Json;
import dev.baton.common.Responses.Event;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttemptsTest {
    private static Event event(String type, int attempt, String worker, String detail) throws Exception {
        return new Event("1", Instant.parse("2026-11-22T10:00:0" + attempt + "Z"), type, null, null, attempt, worker,
                detail == null ? null : Json.mapper().readTree(detail), null);
    }

    @Test
    void eachClaimStartsAnAttemptAndItsEndSaysHowItWent() throws Exception {
        List<Attempts.Attempt> attempts = Attempts.of(List.of(
                event("enqueued", 0, null, null),
                event("claimed", 1, "w1", null),
                event("progress", 1, "w1", "{\"current\": 1}"),
                event("retry_scheduled", 1, "w1", "{\"type\": \"io\", \"message\": \"timeout talking to smtp\"}"),
                event("claimed", 2, "w2", null),
                event("lease_expired", 2, "w2", "{\"type\": \"lease_expired\", \"message\": \"lease expired\"}"),
                event("claimed", 3, "w1", null),
                event("completed", 3, "w1", null),
                event("claimed", 4, "w3", null)));
        assertThat(attempts).extracting(Attempts.Attempt::number).containsExactly(1, 2, 3, 4);
        assertThat(attempts.get(0).outcome()).isEqualTo("failed");
        assertThat(attempts.get(0).errorMessage()).isEqualTo("timeout talking to smtp");
        assertThat(attempts.get(1).outcome()).isEqualTo("lease expired");
        assertThat(attempts.get(2).outcome()).isEqualTo("succeeded");
        assertThat(attempts.get(2).worker()).isEqualTo("w1");
        assertThat(attempts.get(3).outcome()).as("still running").isNull();
    }

    @Test
    void aCancelledRunningAttemptEndsCancelledWithoutAnError() throws Exception {
        List<Attempts.Attempt> attempts = Attempts.of(List.of(event("claimed", 1, "w1", null),
                event("cancelled", 1, "w1", "{\"reason\": \"stuck\"}")));
        assertThat(attempts.get(0).outcome()).isEqualTo("cancelled");
        assertThat(attempts.get(0).errorMessage()).isNull();
    }
}
