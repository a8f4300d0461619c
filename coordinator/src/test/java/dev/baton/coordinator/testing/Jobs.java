package dev.baton.coordinator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Small factories for tests: enqueue one job, claim it, read it back. */
public final class Jobs {
    private Jobs() {
    }

    public static JsonNode enqueue(Api api, String queue, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("type", "test.job", "queue", queue));
        body.putAll(extra);
        Api.Resp r = api.post("/api/v1/jobs", Api.PRODUCER, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.body();
    }

    /** Claims exactly one job from {@code queue}; fails the test if none is there. */
    public static JsonNode claimOne(Api api, String queue, long leaseMs) {
        Api.Resp r = api.post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "test-worker", "queues", List.of(queue), "limit", 1, "leaseMs", leaseMs));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().path("jobs")).as(r.toString()).hasSize(1);
        return r.body().path("jobs").get(0);
    }

    public static JsonNode get(Api api, String id) {
        Api.Resp r = api.get("/api/v1/jobs/" + id, Api.ADMIN);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.body();
    }

    public static List<String> eventTypes(Api api, String id) {
        Api.Resp r = api.get("/api/v1/jobs/" + id + "/events", Api.ADMIN);
        assertThat(r.status()).isEqualTo(200);
        List<String> types = new java.util.ArrayList<>();
        r.body().path("items").forEach(e -> types.add(e.path("type").asText()));
        return types;
    }

    /** One item of {@code POST /completions} (or of a claim's {@code completions}) for a claimed job. */
    public static Map<String, Object> completionItem(JsonNode job, String token, Map<String, Object> result) {
        Map<String, Object> item = new java.util.LinkedHashMap<>();
        item.put("id", job.path("id").asText());
        item.put("leaseToken", token);
        item.put("result", result);
        return item;
    }

    /** How many {@code completed} events the jobs of {@code queue} have. */
    public static long completedEvents(TestCluster cluster, String queue) {
        return cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.queue = ? and e.type = 'completed'""", queue);
    }

    /** Polls {@code condition} until it holds or {@code timeoutMs} passes; returns whether it held. */
    public static boolean eventually(long timeoutMs, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
