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
 * Queue scopes with real leases (docs/protocol.md "Tokens, scopes and the audit trail"): a scoped
 * token enqueues, claims and acts only within its queues; every refusal is 403 `forbidden`
 * naming the queue and changes nothing; a completions item out of scope is refused alone.
 */
class QueueScopeTest {
    static TestCluster cluster;
    static Api api;
    static String producerA;
    static String producerDefault;
    static String workerA;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(QueueScopeTest.class, 2);
        api = cluster.api(1);
        Api maker = cluster.api(0);
        producerA = token(maker, "producer-a", "producer", List.of("scope-a"));
        producerDefault = token(maker, "producer-default", "producer", List.of("default"));
        workerA = token(maker, "worker-a", "worker", List.of("scope-a"));
    }

    private static String token(Api maker, String name, String role, List<String> queues) {
        Api.Resp r = maker.post("/api/v1/tokens", Api.ADMIN, Map.of("name", name, "role", role, "queues", queues));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.body().path("token").asText();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static void assertForbidden(Api.Resp r, String queue) {
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.code()).isEqualTo("forbidden");
        assertThat(r.body().path("detail").asText()).contains("'" + queue + "'");
    }

    private static long jobs() {
        return cluster.queryLong("select count(*) from jobs");
    }

    @Test
    void aScopedProducerEnqueuesOnlyIntoItsQueuesAndAnOmittedQueueIsTheDefault() {
        assertThat(api.post("/api/v1/jobs", producerA, Map.of("type", "t", "queue", "scope-a")).status()).isEqualTo(201);
        long before = jobs();
        assertForbidden(api.post("/api/v1/jobs", producerA, Map.of("type", "t", "queue", "scope-b")), "scope-b");
        assertForbidden(api.post("/api/v1/jobs", producerA, Map.of("type", "t")), "default");
        assertForbidden(api.post("/api/v1/jobs/batch", producerA, Map.of("jobs", List.of(
                Map.of("type", "t", "queue", "scope-a"), Map.of("type", "t", "queue", "scope-b")))), "scope-b");
        Map<String, String> key = Map.of("Idempotency-Key", "scoped-1");
        Map<String, Object> outside = Map.of("type", "t", "queue", "scope-b");
        assertForbidden(api.send("POST", "/api/v1/jobs", producerA, outside, "application/json", key), "scope-b");
        assertThat(jobs()).as("refusals enqueue nothing").isEqualTo(before);
        assertThat(cluster.queryLong("select count(*) from idempotency_keys")).as("and store no answer").isZero();
        Api.Resp corrected = api.send("POST", "/api/v1/jobs", producerA, Map.of("type", "t", "queue", "scope-a"),
                "application/json", key);
        assertThat(corrected.status()).as("the key is free for a corrected resend").isEqualTo(201);
        assertThat(api.post("/api/v1/jobs", producerDefault, Map.of("type", "t")).status()).isEqualTo(201);
        assertThat(api.post("/api/v1/jobs/batch", producerDefault, Map.of("jobs", List.of(Map.of("type", "t"))))
                .status()).isEqualTo(201);
        assertThat(api.get("/api/v1/jobs?queue=scope-b", producerA).status()).as("reads are not scoped").isEqualTo(200);
    }

    @Test
    void aClaimNamingAQueueOutsideTheScopeClaimsNothing() {
        String inside = Jobs.enqueue(api, "claim-a", Map.of()).path("id").asText();
        String worker = token(cluster.api(0), "worker-claim-a", "worker", List.of("claim-a"));
        assertForbidden(api.post("/api/v1/claims", worker, Map.of("workerId", "w", "queues", List.of("claim-a", "claim-b"))),
                "claim-b");
        assertThat(Jobs.get(api, inside).path("status").asText()).isEqualTo("queued");
        Api.Resp claimed = api.post("/api/v1/claims", worker, Map.of("workerId", "w", "queues", List.of("claim-a")));
        assertThat(claimed.body().path("jobs").get(0).path("id").asText()).as(claimed.toString()).isEqualTo(inside);
    }

    @Test
    void aScopedWorkerCannotTouchAJobOfAnotherQueueEvenWithItsLease() {
        String id = Jobs.enqueue(api, "scope-b", Map.of()).path("id").asText();
        String lease = Jobs.claimOne(api, "scope-b", 60_000).path("leaseToken").asText();
        String before = row(id);
        long events = cluster.queryLong("select count(*) from job_events where job_id = ?", Long.parseLong(id));
        String path = "/api/v1/jobs/" + id;
        assertForbidden(api.post(path + "/heartbeat", workerA, Map.of("leaseToken", lease)), "scope-b");
        assertForbidden(api.post(path + "/progress", workerA, Map.of("leaseToken", lease, "expectedVersion", 2,
                "current", 1)), "scope-b");
        assertForbidden(api.post(path + "/logs", workerA, Map.of("leaseToken", lease, "entries",
                List.of(Map.of("seq", 1, "level", "info", "message", "m")))), "scope-b");
        assertForbidden(api.post(path + "/fail", workerA, Map.of("leaseToken", lease, "error", Map.of("message", "x"))),
                "scope-b");
        assertForbidden(api.post(path + "/complete", workerA, Map.of("leaseToken", lease, "result", Map.of())), "scope-b");
        assertThat(row(id)).as("nothing changed").isEqualTo(before);
        assertThat(cluster.queryLong("select count(*) from job_events where job_id = ?", Long.parseLong(id))).isEqualTo(events);
        assertThat(cluster.queryLong("select count(*) from job_logs where job_id = ?", Long.parseLong(id))).isZero();
        assertThat(api.post(path + "/complete", Api.WORKER, Map.of("leaseToken", lease, "result", Map.of())).status())
                .as("the lease's holder is unaffected").isEqualTo(200);
        assertThat(api.post("/api/v1/jobs/999999999/heartbeat", workerA, Map.of("leaseToken", "x")).status())
                .as("no such job stays 404").isEqualTo(404);
    }

    @Test
    void aCompletionsItemOutOfScopeIsRefusedAloneAndTheOthersComplete() {
        String mine = Jobs.enqueue(api, "scope-a", Map.of("type", "mixed")).path("id").asText();
        Api.Resp claimed = api.post("/api/v1/claims", workerA, Map.of("workerId", "wa", "queues", List.of("scope-a"),
                "types", List.of("mixed")));
        assertThat(claimed.status()).as(claimed.toString()).isEqualTo(200);
        JsonNode myJob = claimed.body().path("jobs").get(0);
        assertThat(myJob.path("id").asText()).isEqualTo(mine);
        String theirs = Jobs.enqueue(api, "scope-b", Map.of("type", "mixed")).path("id").asText();
        String theirLease = Jobs.claimOne(api, "scope-b", 60_000).path("leaseToken").asText();
        String theirRow = row(theirs);
        assertThat(api.post("/api/v1/jobs/" + mine + "/heartbeat", workerA,
                Map.of("leaseToken", myJob.path("leaseToken").asText())).status()).isEqualTo(200);

        Api.Resp r = api.post("/api/v1/completions", workerA, Map.of("items", List.of(
                Map.of("id", mine, "leaseToken", myJob.path("leaseToken").asText(), "result", Map.of()),
                Map.of("id", theirs, "leaseToken", theirLease, "result", Map.of()))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().path("items").get(0).path("status").asInt()).isEqualTo(200);
        assertThat(r.body().path("items").get(1).path("status").asInt()).isEqualTo(403);
        assertThat(r.body().path("items").get(1).path("code").asText()).isEqualTo("forbidden");
        assertThat(Jobs.get(api, mine).path("status").asText()).isEqualTo("succeeded");
        assertThat(row(theirs)).as("the refused item is untouched").isEqualTo(theirRow);
    }

    private static String row(String id) {
        try (var c = cluster.sql(); var ps = c.prepareStatement("select j::text from jobs j where id = ?")) {
            ps.setLong(1, Long.parseLong(id));
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
