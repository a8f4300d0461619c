package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The producer and admin endpoints of docs/protocol.md, black-box, on two coordinators sharing one database. */
class AdminApiTest {
    private static final String A = Api.ADMIN;
    static TestCluster cluster;
    static Api api;
    static Api other;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(AdminApiTest.class, 2);
        api = cluster.api(0);
        other = cluster.api(1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void listFiltersByStatusQueueTypeLabelsAndCreationTime() {
        JsonNode a = enqueue(job("filters", "filters.mail", Map.of("tenant", "f-acme", "tier", "gold")));
        JsonNode b = enqueue(job("filters", "filters.mail", Map.of("tenant", "f-acme", "tier", "free")));
        JsonNode c = enqueue(job("filters", "filters.sms", Map.of("tenant", "f-globex", "tier", "gold")));
        JsonNode d = enqueue(job("filters", "filters.sms", Map.of("tenant", "f-acme", "tier", "gold")));
        enqueue(job("filters-other", "filters.mail", Map.of("tenant", "f-acme", "tier", "gold")));
        assertThat(api.post("/api/v1/jobs/" + id(d) + "/cancel", A, Map.of()).status()).isEqualTo(200);

        assertThat(list("queue=filters")).containsExactly(id(d), id(c), id(b), id(a));
        assertThat(list("queue=filters&status=cancelled")).containsExactly(id(d));
        assertThat(list("queue=filters&status=queued")).containsExactly(id(c), id(b), id(a));
        assertThat(list("type=filters.sms")).containsExactly(id(d), id(c));
        assertThat(list("label=tenant:f-globex")).containsExactly(id(c));
        assertThat(list("queue=filters&label=tenant:f-acme")).containsExactly(id(d), id(b), id(a));
        assertThat(list("queue=filters&label=tenant:f-acme&label=tier:gold")).containsExactly(id(d), id(a));
        assertThat(list("queue=filters&createdAfter=" + enc(a.path("createdAt").asText())))
                .containsExactly(id(d), id(c), id(b));
        assertThat(list("queue=filters&createdBefore=" + enc(c.path("createdAt").asText())))
                .containsExactly(id(b), id(a));
        assertThat(list("queue=filters&createdAfter=" + enc(a.path("createdAt").asText())
                + "&createdBefore=" + enc(d.path("createdAt").asText()))).containsExactly(id(c), id(b));
        assertThat(list("queue=filters&status=queued&type=filters.mail&label=tier:gold")).containsExactly(id(a));
        assertThat(list("queue=filters&type=filters.nothing")).isEmpty();
    }

    @Test
    void keysetPaginationWalksNewestFirstWithoutDuplicates() {
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            jobs.add(Map.of("type", "paging", "queue", "paging", "payload", Map.of("n", i)));
        }
        Api.Resp created = api.post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", jobs));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        List<Long> createdIds = new ArrayList<>();
        created.body().path("jobs").forEach(j -> createdIds.add(j.path("id").asLong()));

        List<Integer> pageSizes = new ArrayList<>();
        List<Long> seen = new ArrayList<>();
        String cursor = null;
        do {
            // Pages alternate between the coordinators: a cursor is not tied to the one that made it.
            Api.Resp page = (pageSizes.size() % 2 == 0 ? api : other).get("/api/v1/jobs?queue=paging&limit=50"
                    + (cursor == null ? "" : "&cursor=" + enc(cursor)), Api.PRODUCER);
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            pageSizes.add(page.body().path("items").size());
            page.body().path("items").forEach(j -> seen.add(j.path("id").asLong()));
            JsonNode next = page.body().path("nextCursor");
            assertThat(next.isMissingNode()).as("nextCursor is always present").isFalse();
            cursor = next.isNull() ? null : next.asText();
        } while (cursor != null && pageSizes.size() < 10);

        assertThat(pageSizes).containsExactly(50, 50, 20);
        assertThat(new HashSet<>(seen)).hasSize(120).containsExactlyInAnyOrderElementsOf(createdIds);
        assertThat(seen).isSortedAccordingTo((x, y) -> Long.compare(y, x));
        assertThat(seen.get(0)).isEqualTo(createdIds.stream().mapToLong(Long::longValue).max().orElseThrow());
    }

    @Test
    void anUnknownJobIsNotFound() {
        for (Api.Resp r : List.of(api.get("/api/v1/jobs/987654321", Api.PRODUCER),
                api.get("/api/v1/jobs/987654321/events", Api.PRODUCER),
                api.post("/api/v1/jobs/987654321/cancel", A, Map.of()))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(404);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.code()).isEqualTo("not_found");
        }
    }

    @Test
    void cancelAQueuedJobOnceThenRefuseTheSecond() {
        JsonNode job = enqueue(job("cancel", "cancel.t", Map.of()));
        Api.Resp r = api.post("/api/v1/jobs/" + id(job) + "/cancel", A, Map.of("reason", "not needed"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().path("status").asText()).isEqualTo("cancelled");
        assertThat(r.body().path("version").asLong()).isEqualTo(job.path("version").asLong() + 1);
        assertThat(r.body().path("finishedAt").isNull()).isFalse();

        JsonNode current = conflict(other.post("/api/v1/jobs/" + id(job) + "/cancel", A, Map.of()),
                "invalid_transition", id(job));
        assertThat(current.path("status").asText()).isEqualTo("cancelled");
        assertThat(current.path("version").asLong()).isEqualTo(r.body().path("version").asLong());
    }

    @Test
    void cancelARunningJobRevokesItsLease() {
        JsonNode job = enqueue(job("cancel-running", "cancel.t", Map.of()));
        JsonNode lease = claim("cancel-running", "w-cancel");
        Api.Resp r = api.post("/api/v1/jobs/" + id(job) + "/cancel", A, Map.of("expectedVersion", 2));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().path("status").asText()).isEqualTo("cancelled");
        assertThat(r.body().path("lease").isNull()).isTrue();

        String token = lease.path("leaseToken").asText();
        JsonNode current = conflict(other.post("/api/v1/jobs/" + id(job) + "/heartbeat", Api.WORKER,
                Map.of("leaseToken", token)), "lease_lost", id(job));
        assertThat(current.path("status").asText()).isEqualTo("cancelled");
        conflict(other.post("/api/v1/jobs/" + id(job) + "/complete", Api.WORKER, Map.of("leaseToken", token)),
                "lease_lost", id(job));
        JsonNode cancelled = events(id(job)).get(2);
        assertThat(cancelled.path("type").asText() + " " + cancelled.path("fromStatus").asText() + "->"
                + cancelled.path("toStatus").asText()).isEqualTo("cancelled running->cancelled");
        assertThat(get(id(job)).path("version").asLong()).isEqualTo(3);
    }

    @Test
    void cancelWithAStaleVersionIsAConflictCarryingTheCurrentJob() {
        JsonNode job = enqueue(job("cancel-stale", "cancel.t", Map.of()));
        Api.Resp patched = api.patch("/api/v1/jobs/" + id(job), A, Map.of("expectedVersion", 1, "priority", 5));
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);

        JsonNode current = conflict(api.post("/api/v1/jobs/" + id(job) + "/cancel", A, Map.of("expectedVersion", 1)),
                "version_conflict", id(job));
        assertThat(current.path("version").asLong()).isEqualTo(2);
        assertThat(current.path("status").asText()).isEqualTo("queued");
        assertThat(get(id(job)).path("status").asText()).isEqualTo("queued");
    }

    @Test
    void retryACancelledJobButNotAQueuedOne() {
        JsonNode job = enqueue(job("retry", "retry.t", Map.of()));
        assertThat(api.post("/api/v1/jobs/" + id(job) + "/cancel", A, Map.of()).status()).isEqualTo(200);

        Api.Resp r = other.post("/api/v1/jobs/" + id(job) + "/retry", A, Map.of("expectedVersion", 2));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().path("status").asText()).isEqualTo("queued");
        assertThat(r.body().path("version").asLong()).isEqualTo(3);
        assertThat(r.body().path("finishedAt").isNull()).isTrue();

        JsonNode current = conflict(api.post("/api/v1/jobs/" + id(job) + "/retry", A, Map.of()),
                "invalid_transition", id(job));
        assertThat(current.path("status").asText()).isEqualTo("queued");
        assertThat(current.path("version").asLong()).isEqualTo(3);
    }

    @Test
    void patchAQueuedJobWithTheRightVersionOnly() {
        Map<String, Object> body = new HashMap<>(job("patch", "patch.t", Map.of("env", "dev")));
        body.put("payload", Map.of("a", 1));
        JsonNode job = enqueue(body);
        Api.Resp r = api.patch("/api/v1/jobs/" + id(job), A, Map.of("expectedVersion", 1, "priority", 7,
                "payload", Map.of("b", List.of(2, 3)), "labels", Map.of("env", "prod", "team", "core"),
                "runAt", "2030-01-01T00:00:00Z"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode after = r.body();
        assertThat(after.path("version").asLong()).isEqualTo(2);
        assertThat(after.path("status").asText()).isEqualTo("queued");
        assertThat(after.path("priority").asInt()).isEqualTo(7);
        assertThat(after.path("payload").toString()).isEqualTo("{\"b\":[2,3]}");
        assertThat(after.path("labels").toString()).isEqualTo("{\"env\":\"prod\",\"team\":\"core\"}");
        assertThat(after.path("runAt").asText()).isEqualTo("2030-01-01T00:00:00Z");
        assertThat(get(id(job))).isEqualTo(after);

        JsonNode updated = events(id(job)).get(1);
        assertThat(updated.path("type").asText()).isEqualTo("updated");
        assertThat(updated.path("fromStatus").asText()).isEqualTo("queued");
        assertThat(updated.path("toStatus").asText()).isEqualTo("queued");
        List<String> changed = new ArrayList<>();
        updated.path("detail").path("changed").forEach(n -> changed.add(n.asText()));
        assertThat(changed).containsExactlyInAnyOrder("priority", "payload", "labels", "runAt");

        JsonNode current = conflict(other.patch("/api/v1/jobs/" + id(job), A, Map.of("expectedVersion", 1, "priority", 1)),
                "version_conflict", id(job));
        assertThat(current).isEqualTo(after);
        assertThat(get(id(job))).isEqualTo(after);
        assertThat(events(id(job))).hasSize(2);
    }

    @Test
    void patchARunningJobIsAnInvalidTransition() {
        JsonNode job = enqueue(job("patch-running", "patch.t", Map.of()));
        JsonNode claimed = claim("patch-running", "w-patch");
        assertThat(id(claimed)).isEqualTo(id(job));

        Api.Resp r = api.patch("/api/v1/jobs/" + id(job), A, Map.of("expectedVersion", 2, "priority", 9));
        JsonNode current = conflict(r, "invalid_transition", id(job));
        assertThat(current.path("status").asText()).isEqualTo("running");
        assertThat(current.path("priority").asInt()).isZero();
        assertThat(current.path("lease").path("workerId").asText()).isEqualTo("w-patch");
        assertThat(r.raw()).as("the lease token never leaves the claim").doesNotContain(claimed.path("leaseToken").asText());
        assertThat(get(id(job)).path("version").asLong()).isEqualTo(2);
    }

    @Test
    void bulkAppliesEachOperationOnItsOwn() {
        JsonNode toCancel = enqueue(job("bulk", "bulk.t", Map.of()));
        JsonNode finished = enqueue(job("bulk-done", "bulk.t", Map.of()));
        JsonNode lease = claim("bulk-done", "w-bulk");
        Api.Resp done = api.post("/api/v1/jobs/" + id(finished) + "/complete", Api.WORKER,
                Map.of("leaseToken", lease.path("leaseToken").asText(), "result", Map.of()));
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        JsonNode stale = enqueue(job("bulk", "bulk.t", Map.of()));
        assertThat(api.patch("/api/v1/jobs/" + id(stale), A, Map.of("expectedVersion", 1, "priority", 4)).status())
                .isEqualTo(200);
        JsonNode finishedBefore = get(id(finished));
        JsonNode staleBefore = get(id(stale));

        Api.Resp r = api.post("/api/v1/jobs/bulk", A, Map.of("operations", List.of(
                Map.of("id", id(toCancel), "action", "cancel"),
                Map.of("id", id(finished), "action", "cancel"),
                Map.of("id", id(stale), "action", "update", "expectedVersion", 1, "changes", Map.of("priority", 8)),
                Map.of("id", "987654321", "action", "retry"))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);

        assertThat(r.body().path("succeeded")).hasSize(1);
        assertThat(r.body().path("succeeded").get(0).path("id").asText()).isEqualTo(id(toCancel));
        assertThat(r.body().path("succeeded").get(0).path("version").asLong()).isEqualTo(2);
        Map<String, JsonNode> failed = new HashMap<>();
        r.body().path("failed").forEach(f -> failed.put(f.path("id").asText(), f));
        assertThat(failed).containsOnlyKeys(id(finished), id(stale), "987654321");
        failed.values().forEach(f -> assertThat(f.path("detail").asText()).as(f.toString()).isNotBlank());
        assertThat(failed.get(id(finished)).path("code").asText()).isEqualTo("invalid_transition");
        assertThat(failed.get(id(finished)).path("job")).isEqualTo(finishedBefore);
        assertThat(failed.get(id(stale)).path("code").asText()).isEqualTo("version_conflict");
        assertThat(failed.get(id(stale)).path("job")).isEqualTo(staleBefore);
        assertThat(failed.get("987654321").path("code").asText()).isEqualTo("not_found");
        assertThat(failed.get("987654321").path("job").isNull()).as("present, and null").isTrue();

        JsonNode cancelled = get(id(toCancel));
        assertThat(cancelled.path("status").asText()).isEqualTo("cancelled");
        assertThat(cancelled.path("version").asLong()).isEqualTo(2);
        assertThat(events(id(toCancel)).get(1).path("type").asText()).isEqualTo("cancelled");
        assertThat(get(id(finished))).isEqualTo(finishedBefore);
        assertThat(get(id(stale))).isEqualTo(staleBefore);
    }

    @Test
    void aUniqueKeyDeduplicatesWhileTheJobIsActive() {
        Map<String, Object> body = Map.of("type", "dedup.t", "queue", "dedup", "uniqueKey", "order-17");
        Api.Resp first = api.post("/api/v1/jobs", Api.PRODUCER, body);
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(first.headers().firstValue("Baton-Deduplicated")).isEmpty();

        Api.Resp second = other.post("/api/v1/jobs", Api.PRODUCER, body);
        assertThat(second.status()).as(second.toString()).isEqualTo(200);
        assertThat(second.headers().firstValue("Baton-Deduplicated")).hasValue("true");
        assertThat(id(second.body())).isEqualTo(id(first.body()));
        assertThat(second.body().path("version").asLong()).isEqualTo(1);

        // Once the job is finished the key is free again.
        assertThat(api.post("/api/v1/jobs/" + id(first.body()) + "/cancel", A, Map.of()).status()).isEqualTo(200);
        Api.Resp third = api.post("/api/v1/jobs", Api.PRODUCER, body);
        assertThat(third.status()).as(third.toString()).isEqualTo(201);
        assertThat(id(third.body())).isNotEqualTo(id(first.body()));
    }

    @Test
    void concurrentEnqueuesWithOneUniqueKeyMakeOneJobAcrossCoordinators() throws Exception {
        int n = 40;
        Map<String, Object> body = Map.of("type", "dedup.t", "queue", "dedup-race", "uniqueKey", "race-1");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Future<Api.Resp>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Api target = cluster.api(i % 2);
            futures.add(pool.submit(() -> {
                go.await();
                return target.post("/api/v1/jobs", Api.PRODUCER, body);
            }));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Future<Api.Resp> f : futures) {
            Api.Resp r = f.get();
            statuses.add(r.status());
            ids.add(r.body().path("id").asText());
            if (r.status() == 200) {
                assertThat(r.headers().firstValue("Baton-Deduplicated")).hasValue("true");
            }
        }
        pool.shutdown();

        assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
        assertThat(statuses).filteredOn(s -> s == 200).hasSize(n - 1);
        assertThat(new HashSet<>(ids)).hasSize(1);
        assertThat(cluster.queryLong("select count(*) from jobs where unique_key = 'race-1'")).isEqualTo(1);
        assertThat(cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.unique_key = 'race-1'""")).isEqualTo(1);
    }

    @Test
    void theEventsOfAJobAreExactlyItsTransitionsInOrder() {
        JsonNode job = enqueue(job("events", "events.t", Map.of()));
        JsonNode lease = claim("events", "w-events");
        Api.Resp done = other.post("/api/v1/jobs/" + id(job) + "/complete", Api.WORKER,
                Map.of("leaseToken", lease.path("leaseToken").asText(), "result", Map.of("ok", true)));
        assertThat(done.status()).as(done.toString()).isEqualTo(200);
        assertThat(done.body().path("version").asLong()).isEqualTo(3);

        JsonNode events = events(id(job));
        List<String> rows = new ArrayList<>();
        events.forEach(e -> rows.add(e.path("type").asText() + " " + e.path("fromStatus").asText("null") + "->"
                + e.path("toStatus").asText() + " attempt " + e.path("attempt").asInt()));
        assertThat(rows).containsExactly(
                "enqueued null->queued attempt 0",
                "claimed queued->running attempt 1",
                "completed running->succeeded attempt 1");
        assertThat(events.get(0).path("fromStatus").isNull()).isTrue();
        assertThat(events.get(1).path("workerId").asText()).isEqualTo("w-events");
        assertThat(events.get(2).path("workerId").asText()).isEqualTo("w-events");
        List<Long> eventIds = new ArrayList<>();
        events.forEach(e -> eventIds.add(e.path("id").asLong()));
        assertThat(eventIds).isSorted().doesNotHaveDuplicates();
        assertThat(api.get("/api/v1/jobs/" + id(job) + "/events?after=" + eventIds.get(0), Api.PRODUCER)
                .body().path("items")).hasSize(2);
    }

    private static Map<String, Object> job(String queue, String type, Map<String, String> labels) {
        return Map.of("queue", queue, "type", type, "labels", labels);
    }

    private static JsonNode enqueue(Map<String, Object> body) {
        Api.Resp r = api.post("/api/v1/jobs", Api.PRODUCER, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.body();
    }

    /** Claims the one queued job of {@code queue}; the long lease keeps the reaper away. */
    private static JsonNode claim(String queue, String workerId) {
        Api.Resp r = other.post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", workerId, "queues", List.of(queue), "leaseMs", 600_000));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().path("jobs")).as(r.toString()).hasSize(1);
        return r.body().path("jobs").get(0);
    }

    private static JsonNode get(String id) {
        Api.Resp r = api.get("/api/v1/jobs/" + id, Api.PRODUCER);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.body();
    }

    private static JsonNode events(String id) {
        Api.Resp r = api.get("/api/v1/jobs/" + id + "/events", Api.PRODUCER);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.body().path("items");
    }

    private static List<String> list(String query) {
        Api.Resp r = api.get("/api/v1/jobs?" + query, Api.PRODUCER);
        assertThat(r.status()).as(query + ": " + r).isEqualTo(200);
        assertThat(r.body().path("nextCursor").isNull()).as(query).isTrue();
        List<String> ids = new ArrayList<>();
        r.body().path("items").forEach(j -> ids.add(j.path("id").asText()));
        return ids;
    }

    /** A 409 problem+json about job {@code id}: returns the job's current state, which it must carry. */
    private static JsonNode conflict(Api.Resp r, String code, String id) {
        assertThat(r.status()).as(r.toString()).isEqualTo(409);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.code()).as(r.toString()).isEqualTo(code);
        assertThat(r.body().path("status").asInt()).isEqualTo(409);
        assertThat(r.body().path("detail").asText()).isNotBlank();
        assertThat(r.body().path("job").path("id").asText()).as("the 409 carries the job: " + r).isEqualTo(id);
        return r.body().path("job");
    }

    private static String id(JsonNode job) {
        return job.path("id").asText();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void payloadNumbersAreStoredExactly() {
        Api.Resp r = cluster.api(0).post("/api/v1/jobs", Api.PRODUCER,
                "{\"type\":\"t\",\"queue\":\"exact\",\"payload\":{\"big\":1e400,\"fine\":1.000000000000000000001,\"tiny\":1e-400}}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode payload = cluster.api(1).get("/api/v1/jobs/" + r.body().path("id").asText(), Api.ADMIN).body().path("payload");
        assertThat(payload.path("big").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("1e400"));
        assertThat(payload.path("fine").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("1.000000000000000000001"));
        assertThat(payload.path("tiny").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("1e-400"));
    }
}
