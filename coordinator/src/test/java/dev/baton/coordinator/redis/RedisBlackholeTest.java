package dev.baton.coordinator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.coordinator.testing.TestServices;
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
 * Redis only wakes workers and lists them; with the link to it black-holed (nothing reset, nothing
 * answered) every request is answered as usual, claims falling back to polling the database.
 */
class RedisBlackholeTest {
    /** Far above what these requests take, far below a Redis command's timeout and retries: this catches waiting on Redis. */
    static final Duration SLOW = Duration.ofMillis(1500);
    static TestCluster cluster;
    static TcpProxy proxy;
    static Api api;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(RedisBlackholeTest.class, 0);
        proxy = TcpProxy.before(TestServices.redisUrl());
        Coordinator c = cluster.addCoordinator(Map.of("BATON_REDIS_URL", proxy.via(TestServices.redisUrl()),
                "BATON_POLL_INTERVAL_MS", "100"));
        api = new Api(c.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        cluster.close();
    }

    @Test
    void everyRequestIsAnsweredAsUsual() throws Exception {
        assertThat(Jobs.eventually(15_000, () -> api.get("/health", null).body().path("redis").asText().equals("up")))
                .isTrue();
        proxy.blackhole();
        for (int i = 0; i < 3; i++) {
            String worker = "w" + i;
            String id = inTime("enqueue", 201, () -> api.post("/api/v1/jobs", Api.PRODUCER,
                    Map.of("type", "x", "queue", "blackhole"))).path("id").asText();
            JsonNode job = inTime("claim", 200, () -> api.post("/api/v1/claims", Api.WORKER,
                    Map.of("workerId", worker, "queues", List.of("blackhole"), "waitMs", 1000)))
                    .path("jobs").get(0);
            assertThat(job.path("id").asText()).isEqualTo(id);
            String token = job.path("leaseToken").asText();
            inTime("heartbeat", 200, () -> api.post("/api/v1/jobs/" + id + "/heartbeat", Api.WORKER,
                    Map.of("leaseToken", token)));
            inTime("complete", 200, () -> api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER,
                    Map.of("leaseToken", token, "result", Map.of())));
            inTime("health", 200, () -> api.get("/health", null));
            inTime("workers", 200, () -> api.get("/api/v1/workers", Api.ADMIN));
        }
        // A claim waiting for work is woken by the database poll, not by Redis.
        CompletableFuture<Api.Resp> waiting = CompletableFuture.supplyAsync(() -> api.post("/api/v1/claims",
                Api.WORKER, Map.of("workerId", "w", "queues", List.of("blackhole-wait"), "waitMs", 20_000)));
        String id = Jobs.enqueue(api, "blackhole-wait", Map.of()).path("id").asText();
        Api.Resp claimed = waiting.get(10, TimeUnit.SECONDS);
        assertThat(claimed.body().path("jobs").get(0).path("id").asText()).isEqualTo(id);
        proxy.restore();
    }

    private static JsonNode inTime(String what, int status, Supplier<Api.Resp> request) throws Exception {
        long start = System.nanoTime();
        Api.Resp r = CompletableFuture.supplyAsync(request).get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as(what + ": " + r).isEqualTo(status);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as(what).isLessThan(SLOW);
        return r.body();
    }
}
