package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * POST /completions settles a whole batch in one statement: every held lease is completed exactly
 * once, every other item gets the answer its own complete would get, and resends, overlapping
 * batches and single completes racing on two coordinators apply each job once, without deadlock.
 */
class CompletionsBatchTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(CompletionsBatchTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void everyHeldLeaseIsCompletedAndEveryOtherItemJudgedAlone() {
        List<JsonNode> claimed = enqueueAndClaim("batch", 60, 30_000);
        JsonNode cancelled = claimed.get(7);
        Api.Resp cancel = cluster.api(0).post("/api/v1/jobs/" + cancelled.path("id").asText() + "/cancel", Api.ADMIN,
                Map.of());
        assertThat(cancel.status()).as(cancel.toString()).isEqualTo(200);

        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < claimed.size(); i++) {
            items.add(Jobs.completionItem(claimed.get(i),
                    i == 3 ? "not-the-token" : claimed.get(i).path("leaseToken").asText(),
                    Map.of("n", i)));
        }
        // a repeat
        items.add(Jobs.completionItem(claimed.get(0), claimed.get(0).path("leaseToken").asText(), Map.of("n", 0)));
        items.add(Map.of("id", "987654321", "leaseToken", "x"));
        items.add(Map.of("id", "not-an-id", "leaseToken", "x"));

        Api.Resp r = cluster.api(1).post("/api/v1/completions", Api.WORKER, Map.of("items", items));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode answers = r.body().path("items");
        assertThat(answers).hasSize(items.size());
        for (int i = 0; i < claimed.size(); i++) {
            JsonNode a = answers.get(i);
            assertThat(a.path("id").asText()).isEqualTo(claimed.get(i).path("id").asText());
            if (i == 3) {
                assertThat(a.path("status").asInt()).isEqualTo(409);
                assertThat(a.path("code").asText()).isEqualTo("lease_lost");
                assertThat(a.path("job").path("status").asText()).isEqualTo("running");
            } else if (i == 7) {
                assertThat(a.path("status").asInt()).isEqualTo(409);
                assertThat(a.path("job").path("status").asText()).isEqualTo("cancelled");
            } else {
                assertThat(a.path("status").asInt()).as(a.toString()).isEqualTo(200);
                assertThat(a.path("job").path("status").asText()).isEqualTo("succeeded");
                assertThat(a.path("job").path("result").path("n").asInt()).isEqualTo(i);
                assertThat(a.path("job").path("version").asLong()).isEqualTo(3);
            }
        }
        assertThat(answers.get(60).path("status").asInt()).isEqualTo(200);
        assertThat(answers.get(60).path("job")).isEqualTo(answers.get(0).path("job"));
        assertThat(answers.get(61).path("status").asInt()).isEqualTo(404);
        assertThat(answers.get(62).path("status").asInt()).isEqualTo(404);
        assertThat(Jobs.get(cluster.api(0), claimed.get(3).path("id").asText()).path("status").asText())
                .isEqualTo("running");
        assertThat(Jobs.completedEvents(cluster, "batch")).isEqualTo(58);

        // The whole batch again, through the other coordinator: the same answers, nothing changed.
        Api.Resp again = cluster.api(0).post("/api/v1/completions", Api.WORKER, Map.of("items", items));
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(r.body());
        assertThat(Jobs.completedEvents(cluster, "batch")).isEqualTo(58);
    }

    /** Prefer: return=minimal leaves the job out of successes only; a resend is answered the same way. */
    @Test
    void returnMinimalLeavesOutTheJobsThatSucceeded() {
        List<JsonNode> claimed = enqueueAndClaim("minimal", 5, 30_000);
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < claimed.size(); i++) {
            items.add(Jobs.completionItem(claimed.get(i), i == 2 ? "stale" : claimed.get(i).path("leaseToken").asText(),
                    Map.of("i", i)));
        }
        for (int round = 0; round < 2; round++) { // the second round is a resend of the first
            Api.Resp r = cluster.api(round).send("POST", "/api/v1/completions", Api.WORKER, Map.of("items", items),
                    "application/json", Map.of("Prefer", "respond-async, return=minimal"));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.headers().firstValue("Preference-Applied")).hasValue("return=minimal");
            JsonNode answers = r.body().path("items");
            for (int i = 0; i < claimed.size(); i++) {
                JsonNode a = answers.get(i);
                assertThat(a.path("id").asText()).isEqualTo(claimed.get(i).path("id").asText());
                if (i == 2) {
                    assertThat(a.path("status").asInt()).isEqualTo(409);
                    assertThat(a.path("job").path("status").asText()).isEqualTo("running");
                } else {
                    assertThat(a.path("status").asInt()).isEqualTo(200);
                    assertThat(a.has("job")).as(a.toString()).isFalse();
                }
            }
        }
        assertThat(Jobs.completedEvents(cluster, "minimal")).isEqualTo(4);
        assertThat(Jobs.get(cluster.api(0), claimed.get(4).path("id").asText()).path("result").path("i").asInt())
                .isEqualTo(4);
        Api.Resp full = cluster.api(0).post("/api/v1/completions", Api.WORKER, Map.of("items", items.subList(0, 1)));
        assertThat(full.headers().firstValue("Preference-Applied")).isEmpty();
        assertThat(full.body().path("items").get(0).path("job").path("status").asText()).isEqualTo("succeeded");
    }

    /** The leases run out in their rows (moved back), not by waiting them out. */
    @Test
    void anExpiredLeaseIsNotCompletedByABatch() {
        List<JsonNode> claimed = enqueueAndClaim("expiring", 3, 30_000);
        assertThat(cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where queue = 'expiring'"))
                .isEqualTo(3);
        List<Map<String, Object>> items = claimed.stream()
                .map(j -> Jobs.completionItem(j, j.path("leaseToken").asText(), Map.of())).toList();
        Api.Resp r = cluster.api(0).post("/api/v1/completions", Api.WORKER, Map.of("items", items));
        assertThat(r.status()).isEqualTo(200);
        r.body().path("items").forEach(a -> {
            assertThat(a.path("status").asInt()).isEqualTo(409);
            assertThat(a.path("code").asText()).isEqualTo("lease_lost");
        });
        assertThat(Jobs.completedEvents(cluster, "expiring")).isZero();
    }

    /**
     * Each round, 100 held leases are settled at once by a batch in id order on one coordinator, the
     * same batch reversed on the other (a resend racing its original) and single completes of every
     * tenth job: every answer is 200 (no deadlock, no 503), and each job is completed exactly once.
     */
    @Test
    void racingBatchesAndSinglesCompleteEachJobOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            for (int round = 0; round < 8; round++) {
                String queue = "race-" + round;
                List<JsonNode> claimed = enqueueAndClaim(queue, 100, 30_000);
                List<Map<String, Object>> forward = claimed.stream()
                        .map(j -> Jobs.completionItem(j, j.path("leaseToken").asText(), Map.of("by", "batch"))).toList();
                List<Map<String, Object>> backward = new ArrayList<>(forward);
                java.util.Collections.reverse(backward);
                CyclicBarrier barrier = new CyclicBarrier(2 + 10);
                List<Future<Api.Resp>> batches = List.of(
                        pool.submit(() -> post(barrier, 0, "/api/v1/completions", Map.of("items", forward))),
                        pool.submit(() -> post(barrier, 1, "/api/v1/completions", Map.of("items", backward))));
                List<Future<Api.Resp>> singles = new ArrayList<>();
                for (int k = 0; k < 10; k++) {
                    JsonNode j = claimed.get(k * 10 + 5);
                    singles.add(pool.submit(() -> post(barrier, 1, "/api/v1/jobs/" + j.path("id").asText() + "/complete",
                            Map.of("leaseToken", j.path("leaseToken").asText(), "result", Map.of("by", "batch")))));
                }
                for (Future<Api.Resp> f : batches) {
                    Api.Resp r = f.get();
                    assertThat(r.status()).as(r.toString()).isEqualTo(200);
                    r.body().path("items").forEach(a -> assertThat(a.path("status").asInt()).as(a.toString()).isEqualTo(200));
                }
                for (Future<Api.Resp> f : singles) {
                    Api.Resp r = f.get();
                    assertThat(r.status()).as(r.toString()).isEqualTo(200);
                }
                assertThat(Jobs.completedEvents(cluster, queue)).isEqualTo(100);
                assertThat(cluster.queryLong("""
                        select count(*) from jobs where queue = ? and status = 'succeeded' and version = 3""", queue))
                        .isEqualTo(100);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Api.Resp post(CyclicBarrier barrier, int coordinator, String path, Object body) throws Exception {
        barrier.await();
        return cluster.api(coordinator).post(path, Api.WORKER, body);
    }

    private static List<JsonNode> enqueueAndClaim(String queue, int n, long leaseMs) {
        for (int i = 0; i < n; i++) {
            Jobs.enqueue(cluster.api(0), queue, Map.of());
        }
        Api.Resp r = cluster.api(0).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "batch-worker", "queues", List.of(queue), "limit", n, "leaseMs", leaseMs));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<JsonNode> jobs = new ArrayList<>();
        r.body().path("jobs").forEach(jobs::add);
        assertThat(jobs).hasSize(n);
        return jobs;
    }
}
