package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A claim naming several queues walks each queue's backlog on its own and takes the best of them:
 * the same jobs, in the same order, that one sort over all the named queues would take; paused
 * queues, jobs not yet due and other types stay; racing claimers never take a job twice.
 */
class MultiQueueClaimTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(MultiQueueClaimTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static List<JsonNode> claim(int coordinator, List<String> queues, List<String> types, int limit) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("workerId", "multi", "queues", queues, "limit", limit));
        if (types != null) {
            body.put("types", types);
        }
        Api.Resp r = cluster.api(coordinator).post("/api/v1/claims", Api.WORKER, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<JsonNode> jobs = new ArrayList<>();
        r.body().path("jobs").forEach(jobs::add);
        return jobs;
    }

    private static String enqueue(String queue, int priority, Map<String, Object> extra) {
        Map<String, Object> fields = new java.util.HashMap<>(Map.of("priority", priority, "payload", Map.of("q", queue)));
        fields.putAll(extra);
        return Jobs.enqueue(cluster.api(0), queue, fields).path("id").asText();
    }

    @Test
    void takesTheBestJobsAcrossTheNamedQueuesInClaimOrder() {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        List<String> c = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            a.add(enqueue("mq-a", 0, Map.of()));
        }
        for (int i = 0; i < 3; i++) {
            b.add(enqueue("mq-b", 5, Map.of()));
        }
        for (int i = 0; i < 4; i++) {
            c.add(enqueue("mq-c", 1, Map.of()));
        }
        String notDue = enqueue("mq-c", 9, Map.of("delayMs", 3_600_000));
        String otherType = enqueue("mq-b", 9, Map.of("type", "other.type"));
        enqueue("mq-d", 9, Map.of());
        assertThat(cluster.api(0).put("/api/v1/queues/mq-d", Api.ADMIN, Map.of("paused", true)).status()).isEqualTo(200);

        List<String> queues = List.of("mq-a", "mq-b", "mq-c", "mq-d");
        List<String> types = List.of("test.job");
        List<String> first = claim(0, queues, types, 6).stream().map(j -> j.path("id").asText()).toList();
        List<String> expected = new ArrayList<>(b);
        expected.addAll(c.subList(0, 3));
        assertThat(first).containsExactlyElementsOf(expected);

        List<String> rest = claim(1, queues, types, 100).stream().map(j -> j.path("id").asText()).toList();
        expected = new ArrayList<>(c.subList(3, 4));
        expected.addAll(a);
        assertThat(rest).containsExactlyElementsOf(expected);

        assertThat(claim(0, queues, types, 100)).isEmpty();
        assertThat(Jobs.get(cluster.api(0), notDue).path("status").asText()).isEqualTo("queued");
        assertThat(Jobs.get(cluster.api(0), otherType).path("status").asText()).isEqualTo("queued");
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'mq-d' and status = 'queued'")).isEqualTo(1);
        // any type: the other type is next; the paused queue still gives nothing
        assertThat(claim(0, queues, null, 100)).extracting(j -> j.path("id").asText()).containsExactly(otherType);
    }

    @Test
    void racingClaimersAcrossQueuesTakeEachJobOnce() throws Exception {
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            batch.add(Map.of("queue", "race-" + (i % 3), "type", "test.job", "priority", i % 4));
        }
        assertThat(cluster.api(0).post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", batch)).status()).isEqualTo(201);
        List<String> queues = List.of("race-0", "race-1", "race-2");
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        CyclicBarrier start = new CyclicBarrier(6);
        List<Future<?>> all = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int coordinator = t % 2;
            all.add(pool.submit(() -> {
                start.await();
                for (List<JsonNode> got = claim(coordinator, queues, null, 7); !got.isEmpty();
                     got = claim(coordinator, queues, null, 7)) {
                    got.forEach(j -> {
                        if (!seen.add(j.path("id").asText())) {
                            duplicates.incrementAndGet();
                        }
                    });
                }
                return null;
            }));
        }
        for (Future<?> f : all) {
            f.get();
        }
        pool.shutdown();
        assertThat(duplicates.get()).isZero();
        assertThat(seen).hasSize(300);
        assertThat(cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.queue like 'race-%' and e.type = 'claimed'""")).isEqualTo(300);
    }
}
