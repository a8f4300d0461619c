package dev.baton.coordinator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.coordinator.testing.TestServices;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wake-ups travel through Redis: with database polling slowed to 10 s, only Redis can wake a
 * claim on another coordinator quickly. Then Redis goes away (a proxy the test cuts): nothing
 * fails, claims carry on by polling, and wake-ups come back with Redis.
 */
class RedisWakeupTest {
    static TestCluster slowPolling;
    static TcpProxy redisProxy;
    static TestCluster viaProxy;

    @BeforeAll
    static void start() throws Exception {
        slowPolling = TestCluster.start(RedisWakeupTest.class, 2, Map.of("BATON_POLL_INTERVAL_MS", "10000"));
        URI redis = URI.create(TestServices.redisUrl());
        redisProxy = new TcpProxy(redis.getHost(), redis.getPort());
        viaProxy = TestCluster.start(RedisWakeupTest.class, 2, Map.of(
                "BATON_REDIS_URL", "redis://127.0.0.1:" + redisProxy.port() + redis.getPath(),
                "BATON_POLL_INTERVAL_MS", "1500"));
    }

    @AfterAll
    static void stop() throws Exception {
        slowPolling.close();
        viaProxy.close();
        redisProxy.close();
    }

    private static long pickupMs(TestCluster cluster, String queue) throws Exception {
        CompletableFuture<Api.Resp> waiting = CompletableFuture.supplyAsync(() -> cluster.api(1).post("/api/v1/claims",
                Api.WORKER, Map.of("workerId", "w", "queues", List.of(queue), "waitMs", 8000)));
        assertThat(Jobs.eventually(5000, () -> cluster.coordinator(1).context()
                .getBean(dev.baton.coordinator.service.Wakeups.class).waiting() > 0)).isTrue();
        long start = System.nanoTime();
        Jobs.enqueue(cluster.api(0), queue, Map.of());
        Api.Resp r = waiting.get(15, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("jobs")).hasSize(1);
        return ms;
    }

    @Test
    void anEnqueueOnOneCoordinatorWakesAClaimWaitingOnAnother() throws Exception {
        waitForRedis(slowPolling);
        for (int i = 0; i < 5; i++) {
            assertThat(pickupMs(slowPolling, "wake-" + i)).isLessThan(1000);
        }
    }

    @Test
    void losingRedisSlowsClaimsDownButFailsNothingAndWakeUpsReturn() throws Exception {
        waitForRedis(viaProxy);
        assertThat(pickupMs(viaProxy, "before")).isLessThan(1000);

        redisProxy.cut();
        for (int i = 0; i < 3; i++) {
            // no wake-up can cross: the claim is found by the 1.5 s database poll instead
            long ms = pickupMs(viaProxy, "during-" + i);
            assertThat(ms).isLessThan(4000);
        }
        for (String path : List.of("/api/v1/queues", "/api/v1/workers", "/api/v1/jobs", "/health")) {
            assertThat(viaProxy.api(0).get(path, Api.ADMIN).status()).as(path).isEqualTo(200);
        }
        assertThat(viaProxy.api(0).get("/health", null).body().path("redis").asText()).isEqualTo("down");

        redisProxy.restore();
        assertThat(Jobs.eventually(30_000, () -> {
            try {
                return pickupMs(viaProxy, "after-" + System.nanoTime()) < 1000;
            } catch (Exception e) {
                return false;
            }
        })).as("wake-ups resume by themselves").isTrue();
    }

    private static void waitForRedis(TestCluster cluster) throws InterruptedException {
        for (int i = 0; i < cluster.size(); i++) {
            int c = i;
            assertThat(Jobs.eventually(30_000, () -> "up".equals(
                    cluster.api(c).get("/health", null).body().path("redis").asText()))).isTrue();
        }
    }
}
