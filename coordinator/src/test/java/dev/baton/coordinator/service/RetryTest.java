package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retries wait out their backoff, run out into failed, and an admin retry grants more. */
class RetryTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(RetryTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void backoffThenExhaustionThenManualRetry() {
        String id = Jobs.enqueue(cluster.api(0), "retry", Map.of("maxAttempts", 2,
                "backoff", Map.of("initialMs", 1500, "factor", 2.0, "maxMs", 10_000, "jitter", 0))).path("id").asText();
        JsonNode first = Jobs.claimOne(cluster.api(0), "retry", 30_000);
        Api.Resp failed = cluster.api(1).post("/api/v1/jobs/" + id + "/fail", Api.WORKER, Map.of(
                "leaseToken", first.path("leaseToken").asText(),
                "error", Map.of("message", "flaky", "type", "io", "retryable", true)));
        assertThat(failed.status()).isEqualTo(200);
        assertThat(failed.body().path("status").asText()).isEqualTo("queued");
        Instant runAt = Instant.parse(failed.body().path("runAt").asText());
        Instant updatedAt = Instant.parse(failed.body().path("updatedAt").asText());
        assertThat(Duration.between(updatedAt, runAt).toMillis()).isBetween(1400L, 1600L);
        assertThat(failed.body().path("lastError").path("attempt").asInt()).isEqualTo(1);

        // not before the backoff has passed: an immediate claim finds nothing
        assertThat(cluster.api(0).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "w", "queues", List.of("retry"))).body().path("jobs")).isEmpty();
        // a long poll gets it once it is due, and not earlier
        Api.Resp waited = cluster.api(0).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "w", "queues", List.of("retry"), "waitMs", 5000));
        JsonNode second = waited.body().path("jobs").get(0);
        assertThat(second.path("attempt").asInt()).isEqualTo(2);
        assertThat(Instant.parse(second.path("startedAt").asText())).isAfterOrEqualTo(runAt);

        Api.Resp exhausted = cluster.api(0).post("/api/v1/jobs/" + id + "/fail", Api.WORKER, Map.of(
                "leaseToken", second.path("leaseToken").asText(), "error", Map.of("message", "flaky again")));
        assertThat(exhausted.body().path("status").asText()).isEqualTo("failed");
        assertThat(exhausted.body().path("finishedAt").isNull()).isFalse();

        Api.Resp retried = cluster.api(1).post("/api/v1/jobs/" + id + "/retry", Api.ADMIN, Map.of());
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.body().path("status").asText()).isEqualTo("queued");
        assertThat(retried.body().path("maxAttempts").asInt()).isEqualTo(3);
        JsonNode third = Jobs.claimOne(cluster.api(1), "retry", 30_000);
        assertThat(third.path("attempt").asInt()).isEqualTo(3);
        assertThat(cluster.api(1).post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                Map.of("leaseToken", third.path("leaseToken").asText())).status()).isEqualTo(200);
        assertThat(Jobs.eventTypes(cluster.api(0), id)).containsExactly(
                "enqueued", "claimed", "retry_scheduled", "claimed", "failed", "retried", "claimed", "completed");
    }

    @Test
    void nonRetryableErrorFailsAtOnceAndRetryAtIsHonoured() {
        String id = Jobs.enqueue(cluster.api(0), "fatal", Map.of("maxAttempts", 5)).path("id").asText();
        JsonNode job = Jobs.claimOne(cluster.api(0), "fatal", 30_000);
        Api.Resp r = cluster.api(0).post("/api/v1/jobs/" + id + "/fail", Api.WORKER, Map.of(
                "leaseToken", job.path("leaseToken").asText(),
                "error", Map.of("message", "bad input", "type", "validation", "retryable", false)));
        assertThat(r.body().path("status").asText()).isEqualTo("failed");
        assertThat(r.body().path("lastError").path("retryable").asBoolean()).isFalse();

        String later = Jobs.enqueue(cluster.api(0), "later", Map.of()).path("id").asText();
        JsonNode claimed = Jobs.claimOne(cluster.api(0), "later", 30_000);
        Instant retryAt = Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Api.Resp scheduled = cluster.api(0).post("/api/v1/jobs/" + later + "/fail", Api.WORKER, Map.of(
                "leaseToken", claimed.path("leaseToken").asText(), "error", Map.of("message", "rate limited"),
                "retryAt", retryAt.toString()));
        assertThat(Instant.parse(scheduled.body().path("runAt").asText())).isEqualTo(retryAt);
    }

    @Test
    void retryOfAQueuedOrSucceededJobIsAnInvalidTransition() {
        String id = Jobs.enqueue(cluster.api(0), "noretry", Map.of()).path("id").asText();
        Api.Resp r = cluster.api(0).post("/api/v1/jobs/" + id + "/retry", Api.ADMIN, Map.of());
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.code()).isEqualTo("invalid_transition");
        assertThat(r.body().path("job").path("status").asText()).isEqualTo("queued");
        JsonNode job = Jobs.claimOne(cluster.api(0), "noretry", 30_000);
        cluster.api(0).post("/api/v1/jobs/" + id + "/complete", Api.WORKER, Map.of("leaseToken", job.path("leaseToken").asText()));
        assertThat(cluster.api(0).post("/api/v1/jobs/" + id + "/retry", Api.ADMIN, Map.of()).code())
                .isEqualTo("invalid_transition");
        assertThat(cluster.api(0).post("/api/v1/jobs/" + id + "/cancel", Api.ADMIN, Map.of()).code())
                .isEqualTo("invalid_transition");
    }

    @Test
    void priorityThenRunAtThenEnqueueOrder() {
        String low = Jobs.enqueue(cluster.api(0), "order", Map.of("priority", 0)).path("id").asText();
        String high = Jobs.enqueue(cluster.api(0), "order", Map.of("priority", 10)).path("id").asText();
        String low2 = Jobs.enqueue(cluster.api(0), "order", Map.of("priority", 0)).path("id").asText();
        Jobs.enqueue(cluster.api(0), "order", Map.of("delayMs", 60_000, "priority", 100));
        Api.Resp r = cluster.api(0).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "w", "queues", List.of("order"), "limit", 10));
        assertThat(r.body().path("jobs").findValuesAsText("id")).containsExactly(high, low, low2);
    }
}
