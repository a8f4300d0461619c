package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A silent partition between a coordinator and PostgreSQL (nothing reset, nothing answered): every
 * request is still answered, 503 within the documented bound (BATON_DB_STATEMENT_TIMEOUT_MS + 2 s),
 * nothing is written, and the coordinator recovers by itself when the link returns.
 */
class DatabasePartitionTest {
    static final long STATEMENT_TIMEOUT_MS = 2000;
    /** The documented bound, plus a generous allowance for a busy machine: this catches a hang, not a few ms. */
    static final Duration HANG = Duration.ofMillis(STATEMENT_TIMEOUT_MS + 2000 + 5000);
    static TestCluster cluster;
    static TcpProxy proxy;
    static Api api;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(DatabasePartitionTest.class, 0);
        proxy = TcpProxy.before(cluster.jdbcUrl());
        String viaProxy = proxy.via(cluster.jdbcUrl());
        Coordinator c = cluster.addCoordinator(Map.of("BATON_DB_URL", viaProxy,
                "BATON_DB_STATEMENT_TIMEOUT_MS", String.valueOf(STATEMENT_TIMEOUT_MS)));
        api = new Api(c.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        cluster.close();
    }

    @Test
    void everyRequestIs503WithinTheBoundAndTheCoordinatorRecovers() throws Exception {
        String queued = Jobs.enqueue(api, "partition", Map.of()).path("id").asText();
        Jobs.enqueue(api, "partition-running", Map.of());
        JsonNode running = Jobs.claimOne(api, "partition-running", 60_000);
        String id = running.path("id").asText();
        String token = running.path("leaseToken").asText();
        long version = running.path("version").asLong();
        long jobsBefore = cluster.queryLong("select count(*) from jobs");
        long eventsBefore = cluster.queryLong("select count(*) from job_events");

        proxy.blackhole();
        assert503InTime("enqueue", () -> api.post("/api/v1/jobs", Api.PRODUCER,
                Map.of("type", "x", "queue", "partition")));
        assert503InTime("claim", () -> api.post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "w", "queues", List.of("partition"), "waitMs", 1000)));
        assert503InTime("job GET", () -> api.get("/api/v1/jobs/" + queued, Api.ADMIN));
        assert503InTime("progress", () -> api.post("/api/v1/jobs/" + id + "/progress", Api.WORKER,
                Map.of("leaseToken", token, "expectedVersion", version, "current", 1)));
        assert503InTime("heartbeat", () -> api.post("/api/v1/jobs/" + id + "/heartbeat", Api.WORKER,
                Map.of("leaseToken", token)));
        assert503InTime("complete", () -> api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                Map.of("leaseToken", token, "result", Map.of())));
        assertThat(cluster.queryLong("select count(*) from jobs")).isEqualTo(jobsBefore);
        assertThat(cluster.queryLong("select count(*) from job_events")).isEqualTo(eventsBefore);
        assertThat(cluster.queryLong("select count(*) from jobs where status = 'running'")).isEqualTo(1);

        proxy.restore();
        assertThat(Jobs.eventually(20_000, () -> api.get("/health", null).status() == 200)).isTrue();
        assertThat(Jobs.eventually(20_000,
                () -> api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                        Map.of("leaseToken", token, "result", Map.of())).status() == 200)).isTrue();
        Jobs.enqueue(api, "partition", Map.of());
        assertThat(cluster.queryLong("select count(*) from jobs")).isEqualTo(jobsBefore + 1);
    }

    private static void assert503InTime(String what, Supplier<Api.Resp> request) throws Exception {
        Api.Resp r = CompletableFuture.supplyAsync(request).get(HANG.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(r.status()).as(what + ": " + r).isEqualTo(503);
        assertThat(r.code()).as(what).isEqualTo("unavailable");
        assertThat(r.contentType()).as(what).startsWith("application/problem+json");
        assertThat(r.headers().firstValue("Retry-After")).as(what).isPresent();
    }
}
