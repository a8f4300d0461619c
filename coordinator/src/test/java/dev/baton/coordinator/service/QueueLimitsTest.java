package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.coordinator.testing.TestServices;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** maxRunning, ratePerSecond, pause and resume, across two coordinators; and the live-worker registry. */
class QueueLimitsTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(QueueLimitsTest.class, 2, Map.of("BATON_WORKER_TTL_MS", "2000"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static void enqueue(String queue, int n) {
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            jobs.add(Map.of("type", "t", "queue", queue));
        }
        assertThat(cluster.api(0).post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", jobs)).status()).isEqualTo(201);
    }

    @Test
    void maxRunningHoldsAcrossCoordinatorsEvenWhenRedisIsFlushed() throws Exception {
        String q = "capped";
        assertThat(cluster.api(0).put("/api/v1/queues/" + q, Api.ADMIN, Map.of("maxRunning", 2)).status()).isEqualTo(200);
        enqueue(q, 200);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong maxSeen = new AtomicLong();
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                maxSeen.accumulateAndGet(cluster.queryLong(
                        "select count(*) from jobs where queue = 'capped' and status = 'running'"), Math::max);
            }
        });
        AtomicInteger completed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            Api api = cluster.api(t % 2);
            futures.add(pool.submit(() -> {
                while (completed.get() < 200) {
                    Api.Resp r = api.post("/api/v1/claims", Api.WORKER,
                            Map.of("workerId", "w", "queues", List.of(q), "limit", 5, "waitMs", 200));
                    assertThat(r.status()).isEqualTo(200);
                    for (JsonNode job : r.body().path("jobs")) {
                        api.post("/api/v1/jobs/" + job.path("id").asText() + "/complete", Api.WORKER,
                                Map.of("leaseToken", job.path("leaseToken").asText()));
                        completed.incrementAndGet();
                    }
                }
                return null;
            }));
            if (t == 2) {
                flushRedis(); // mid-run: the cap lives in the database, not in Redis
            }
        }
        for (Future<?> f : futures) {
            f.get();
        }
        done.set(true);
        sampler.join();
        pool.shutdown();
        assertThat(maxSeen.get()).isBetween(1L, 2L);
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'capped' and status = 'succeeded'")).isEqualTo(200);
    }

    @Test
    void ratePerSecondCapsStarts() throws Exception {
        String q = "rated";
        cluster.api(0).put("/api/v1/queues/" + q, Api.ADMIN, Map.of("ratePerSecond", 5.0));
        enqueue(q, 100);
        long end = System.nanoTime() + 3_000_000_000L;
        AtomicInteger started = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Api api = cluster.api(t % 2);
            futures.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    started.addAndGet(api.post("/api/v1/claims", Api.WORKER,
                            Map.of("workerId", "w", "queues", List.of(q), "limit", 10)).body().path("jobs").size());
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertThat(started.get()).isGreaterThanOrEqualTo(5);
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'rated' and status = 'queued'"))
                .isEqualTo(100 - started.get());
        // Against the database's start times: no span of L seconds holds more than 5 + floor(5 L).
        assertThat(cluster.queryLong("""
                select count(*) from (select started_at, row_number() over (order by started_at) as n
                                      from jobs where queue = 'rated' and started_at is not null) a
                join (select started_at, row_number() over (order by started_at) as n
                      from jobs where queue = 'rated' and started_at is not null) b on b.n >= a.n
                where b.n - a.n + 1 > 5 + floor(extract(epoch from b.started_at - a.started_at) * 5)""")).isZero();
    }

    @Test
    void everyRateAboveZeroStartsJobs() {
        // The old rule, floor(rate * max(1, 1/rate)) in doubles, gave 0.167, 0.09 and 0.013 no
        // start ever, and cut 1.5 to 1. The first claim gets a full burst: max(1, floor(rate)).
        Map<String, Integer> burstByRate = Map.of("0.167", 1, "0.09", 1, "0.013", 1, "0.001", 1, "1.5", 1, "2.5", 2, "7.3", 7);
        burstByRate.forEach((rate, burst) -> {
            String q = "rate-" + rate.replace('.', '-');
            assertThat(cluster.api(0).put("/api/v1/queues/" + q, Api.ADMIN,
                    Map.of("ratePerSecond", Double.parseDouble(rate))).status()).isEqualTo(200);
            enqueue(q, 10);
            // waitMs: the coordinator learns that the queue is limited within a second.
            Api.Resp r = cluster.api(1).post("/api/v1/claims", Api.WORKER,
                    Map.of("workerId", "w", "queues", List.of(q), "limit", 10, "waitMs", 5000));
            assertThat(r.body().path("jobs")).as("rate %s", rate).hasSize(burst);
        });
    }

    @Test
    void aChangedRateTakesEffectAtOnce() {
        String q = "rate-raised";
        assertThat(cluster.api(0).put("/api/v1/queues/" + q, Api.ADMIN, Map.of("ratePerSecond", 0.001)).status()).isEqualTo(200);
        enqueue(q, 10);
        Map<String, Object> claim = Map.of("workerId", "w", "queues", List.of(q), "limit", 10, "waitMs", 5000);
        assertThat(cluster.api(0).post("/api/v1/claims", Api.WORKER, claim).body().path("jobs")).hasSize(1);
        // At 0.001/s the next start is owed 1000 s from now; at the new rate it is not.
        assertThat(cluster.api(0).put("/api/v1/queues/" + q, Api.ADMIN, Map.of("ratePerSecond", 1000.0)).status()).isEqualTo(200);
        assertThat(cluster.api(0).post("/api/v1/claims", Api.WORKER, claim).body().path("jobs")).hasSize(9);
    }

    @Test
    void aPausedQueueHandsOutNothingAndResumeWakesItsWaiters() throws Exception {
        String q = "pausable";
        cluster.api(0).put("/api/v1/queues/" + q, Api.ADMIN, Map.of("paused", true));
        Jobs.enqueue(cluster.api(0), q, Map.of());
        assertThat(cluster.api(1).post("/api/v1/claims", Api.WORKER, Map.of("workerId", "w", "queues", List.of(q)))
                .body().path("jobs")).isEmpty();
        JsonNode queue = findQueue(q);
        assertThat(queue.path("paused").asBoolean()).isTrue();
        assertThat(queue.path("counts").path("queued").asLong()).isEqualTo(1);
        var waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> cluster.api(1).post("/api/v1/claims",
                Api.WORKER, Map.of("workerId", "w", "queues", List.of(q), "waitMs", 10_000)));
        Thread.sleep(500);
        assertThat(waiting.isDone()).isFalse();
        long start = System.nanoTime();
        cluster.api(0).put("/api/v1/queues/" + q, Api.ADMIN, Map.of("paused", false));
        assertThat(waiting.get().body().path("jobs")).hasSize(1);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2000);
    }

    @Test
    void liveWorkersAreListedAndExpire() throws Exception {
        cluster.api(0).post("/api/v1/claims", Api.WORKER, Map.of("workerId", "registry-w1", "queues", List.of("reg")));
        assertThat(Jobs.eventually(5000, () -> workerIds().contains("registry-w1"))).isTrue();
        JsonNode w = null;
        for (JsonNode n : cluster.api(1).get("/api/v1/workers", Api.PRODUCER).body()) {
            if (n.path("workerId").asText().equals("registry-w1")) {
                w = n;
            }
        }
        assertThat(w).isNotNull();
        assertThat(w.path("queues").get(0).asText()).isEqualTo("reg");
        assertThat(w.path("runningJobs").asLong()).isZero();
        assertThat(w.path("lastSeenAt").isNull()).isFalse();
        assertThat(Jobs.eventually(10_000, () -> !workerIds().contains("registry-w1"))).as("expired after its TTL").isTrue();
    }

    @Test
    void queueCountsAreLiveForActiveJobsAndAtMostFiveSecondsOldForFinishedOnes() throws Exception {
        String q = "counted";
        for (int i = 0; i < 3; i++) {
            Jobs.enqueue(cluster.api(0), q, Map.of());
        }
        JsonNode a = Jobs.claimOne(cluster.api(0), q, 30_000);
        JsonNode b = Jobs.claimOne(cluster.api(0), q, 30_000);
        cluster.api(0).post("/api/v1/jobs/" + b.path("id").asText() + "/complete", Api.WORKER,
                Map.of("leaseToken", b.path("leaseToken").asText()));
        JsonNode counts = findQueue(q).path("counts");
        assertThat(counts.path("queued").asLong()).isEqualTo(1);
        assertThat(counts.path("running").asLong()).isEqualTo(1);
        assertThat(findQueue(q).path("oldestQueuedAgeMs").asLong()).isGreaterThanOrEqualTo(0);
        // recounted in the background once a read finds the count 5 s old
        assertThat(Jobs.eventually(12_000, () -> findQueue(q).path("counts").path("succeeded").asLong() == 1)).isTrue();
        assertThat(a.path("status").asText()).isEqualTo("running");
    }

    private static List<String> workerIds() {
        List<String> ids = new ArrayList<>();
        cluster.api(0).get("/api/v1/workers", Api.ADMIN).body().forEach(n -> ids.add(n.path("workerId").asText()));
        return ids;
    }

    private static JsonNode findQueue(String name) {
        for (JsonNode n : cluster.api(0).get("/api/v1/queues", Api.PRODUCER).body()) {
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no queue " + name);
    }

    private static void flushRedis() {
        Config config = new Config();
        config.useSingleServer().setAddress(TestServices.redisUrl());
        RedissonClient client = Redisson.create(config);
        try {
            client.getKeys().flushdb();
        } finally {
            client.shutdown();
        }
    }
}
