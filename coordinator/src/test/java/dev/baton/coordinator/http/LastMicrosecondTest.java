package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL keeps a time to the microsecond and rounds what it is given, so an instant in the
 * last half-microsecond of 9999 would be stored as year 10000 and answered as
 * {@code +10000-01-01T00:00:00Z}: no RFC 3339 time, and one the coordinator itself refuses when a
 * client sends it back. Every time a request carries is refused (400, nothing stored) or kept
 * within four-digit years.
 */
class LastMicrosecondTest {
    static TestCluster cluster;
    static final String PAST_THE_LAST_MICROSECOND = "9999-12-31T23:59:59.9999995Z";

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(LastMicrosecondTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void enqueueAndPatchRunAtInTheLastHalfMicrosecondAreRefused() {
        Api api = cluster.api();
        Api.Resp created = api.post("/api/v1/jobs", Api.PRODUCER,
                Map.of("type", "t", "queue", "last-us-enqueue", "runAt", PAST_THE_LAST_MICROSECOND));
        assertRefused(created, "runAt");
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'last-us-enqueue'")).isZero();

        JsonNode job = Jobs.enqueue(api, "last-us-patch", Map.of());
        Api.Resp patched = api.patch("/api/v1/jobs/" + job.path("id").asText(), Api.ADMIN,
                Map.of("expectedVersion", job.path("version").asLong(), "runAt", PAST_THE_LAST_MICROSECOND));
        assertRefused(patched, "runAt");
        assertThat(Jobs.get(api, job.path("id").asText()).path("version").asLong()).isEqualTo(job.path("version").asLong());
    }

    @Test
    void retryRunAtAndFailRetryAtInTheLastHalfMicrosecondAreRefused() {
        Api api = cluster.api();
        String id = Jobs.enqueue(api, "last-us-fail", Map.of("maxAttempts", 2)).path("id").asText();
        String token = Jobs.claimOne(api, "last-us-fail", 60_000).path("leaseToken").asText();
        Api.Resp failed = api.post("/api/v1/jobs/" + id + "/fail", Api.WORKER, Map.of("leaseToken", token,
                "error", Map.of("message", "x"), "retryAt", PAST_THE_LAST_MICROSECOND));
        assertRefused(failed, "retryAt");
        assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("running");

        Api.Resp cancelled = api.post("/api/v1/jobs/" + id + "/cancel", Api.ADMIN, Map.of());
        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        Api.Resp retried = api.post("/api/v1/jobs/" + id + "/retry", Api.ADMIN, Map.of("runAt", PAST_THE_LAST_MICROSECOND));
        assertRefused(retried, "runAt");
        assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void theLastMicrosecondItselfIsKeptAndAnsweredAsSent() {
        String last = "9999-12-31T23:59:59.999999Z";
        JsonNode job = Jobs.enqueue(cluster.api(), "last-us-kept", Map.of("runAt", last));
        assertThat(job.path("runAt").asText()).isEqualTo(last);
    }

    private static void assertRefused(Api.Resp r, String field) {
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("invalid_request");
        List<String> fields = r.body().path("errors").findValuesAsText("field");
        assertThat(fields).as(r.toString()).contains(field);
    }
}
