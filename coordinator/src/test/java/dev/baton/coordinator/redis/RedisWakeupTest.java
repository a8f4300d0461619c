package dev.baton.coordinator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.coordinator.testing.TestServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
        // a poll interval longer than a claim's wait: only a wake-up through Redis can find the job in time
        slowPolling = TestCluster.start(RedisWakeupTest.class, 2, Map.of("BATON_POLL_INTERVAL_MS", "120000"));
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

    /** How the claim waiting on coordinator 1 for a job enqueued on coordinator 0 was woken: redis or poll. */
    private static String pickedUpBy(TestCluster cluster, String queue) throws Exception {
        double redisBefore = wakeups(cluster, "redis");
        double pollBefore = wakeups(cluster, "poll");
        CompletableFuture<Api.Resp> waiting = CompletableFuture.supplyAsync(() -> cluster.api(1).post("/api/v1/claims",
                Api.WORKER, Map.of("workerId", "w", "queues", List.of(queue), "waitMs", 20_000)));
        assertThat(Jobs.eventually(5000, () -> cluster.coordinator(1).context()
                .getBean(dev.baton.coordinator.service.Wakeups.class).waiting() > 0)).isTrue();
        Jobs.enqueue(cluster.api(0), queue, Map.of());
        Api.Resp r = waiting.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("jobs")).as("found before the claim's 20 s ran out").hasSize(1);
        if (wakeups(cluster, "redis") > redisBefore) {
            return "redis";
        }
        return wakeups(cluster, "poll") > pollBefore ? "poll" : "neither";
    }

    private static double wakeups(TestCluster cluster, String source) {
        Counter c = cluster.coordinator(1).context().getBean(MeterRegistry.class).find("baton.claim.wakeups")
                .tag("source", source).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void anEnqueueOnOneCoordinatorWakesAClaimWaitingOnAnother() throws Exception {
        waitForRedis(slowPolling);
        for (int i = 0; i < 5; i++) {
            assertThat(pickedUpBy(slowPolling, "wake-" + i)).isEqualTo("redis");
        }
    }

    @Test
    void losingRedisSlowsClaimsDownButFailsNothingAndWakeUpsReturn() throws Exception {
        waitForRedis(viaProxy);
        assertThat(pickedUpBy(viaProxy, "before")).isEqualTo("redis");

        redisProxy.cut();
        for (int i = 0; i < 3; i++) {
            // no wake-up can cross: the claim is found by the 1.5 s database poll instead
            assertThat(pickedUpBy(viaProxy, "during-" + i)).isEqualTo("poll");
        }
        for (String path : List.of("/api/v1/queues", "/api/v1/workers", "/api/v1/jobs", "/health")) {
            assertThat(viaProxy.api(0).get(path, Api.ADMIN).status()).as(path).isEqualTo(200);
        }
        assertThat(viaProxy.api(0).get("/health", null).body().path("redis").asText()).isEqualTo("down");

        redisProxy.restore();
        assertThat(Jobs.eventually(30_000, () -> {
            try {
                return pickedUpBy(viaProxy, "after-" + System.nanoTime()).equals("redis");
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
