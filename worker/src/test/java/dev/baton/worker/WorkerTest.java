package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker library against two real coordinators on one database. */
class WorkerTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(WorkerTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Worker.Builder worker(String queue) {
        return Worker.builder()
                .coordinators(url(0), url(1)).token(Api.WORKER).queues(queue).concurrency(8).leaseMs(3000)
                .shutdownGrace(Duration.ofSeconds(10));
    }

    private static String url(int i) {
        return "http://127.0.0.1:" + cluster.coordinator(i).port();
    }

    @Test
    void builtInHandlersRunToCompletionWithProgressLogsAndRetries() throws Exception {
        Api api = cluster.api(0);
        List<String> echo = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            echo.add(Jobs.enqueue(api, "builtin", Map.of("type", "baton.echo", "payload", Map.of("n", i))).path("id").asText());
        }
        String sleep = Jobs.enqueue(api, "builtin", Map.of("type", "baton.sleep",
                "payload", Map.of("steps", 4, "stepMs", 100))).path("id").asText();
        String flaky = Jobs.enqueue(api, "builtin", Map.of("type", "baton.fail", "payload", Map.of("failTimes", 2),
                "backoff", Map.of("initialMs", 100, "jitter", 0))).path("id").asText();
        try (Worker w = BuiltInHandlers.register(worker("builtin")).build().start()) {
            assertThat(Jobs.eventually(30_000, () -> cluster.queryLong(
                    "select count(*) from jobs where queue = 'builtin' and status = 'succeeded'") == 42)).isTrue();
        }
        assertThat(Jobs.get(api, echo.get(7)).path("result").path("n").asInt()).isEqualTo(7);
        JsonNode slept = Jobs.get(api, sleep);
        assertThat(slept.path("progress").path("current").asLong()).isEqualTo(4);
        assertThat(slept.path("progress").path("total").asLong()).isEqualTo(4);
        assertThat(cluster.queryLong("select count(*) from job_logs where job_id = ?", Long.parseLong(sleep))).isEqualTo(4);
        JsonNode retried = Jobs.get(api, flaky);
        assertThat(retried.path("attempt").asInt()).isEqualTo(3);
        assertThat(Jobs.eventTypes(api, flaky)).containsExactly("enqueued", "claimed", "retry_scheduled", "claimed",
                "retry_scheduled", "claimed", "completed");
        assertThat(cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.queue = 'builtin' and e.type = 'completed'""")).isEqualTo(42);
    }

    @Test
    void aCancelledJobStopsItsHandlerAndIsNeverCompleted() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        String id = Jobs.enqueue(cluster.api(0), "cancel", Map.of("type", "forever")).path("id").asText();
        try (Worker w = worker("cancel").handler("forever", ctx -> {
            started.countDown();
            try {
                while (true) {
                    ctx.checkpoint();
                    Thread.sleep(50);
                }
            } catch (InterruptedException | LeaseLostException e) {
                interrupted.set(true);
                return "should never be sent";
            }
        }).build().start()) {
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(cluster.api(1).post("/api/v1/jobs/" + id + "/cancel", Api.ADMIN, Map.of()).status()).isEqualTo(200);
            assertThat(Jobs.eventually(10_000, interrupted::get)).isTrue();
        }
        assertThat(Jobs.get(cluster.api(0), id).path("status").asText()).isEqualTo("cancelled");
        assertThat(Jobs.eventTypes(cluster.api(0), id)).containsExactly("enqueued", "claimed", "cancelled");
    }

    @Test
    void failsOverFromADeadCoordinatorUrl() throws Exception {
        String id = Jobs.enqueue(cluster.api(0), "failover", Map.of("type", "baton.echo")).path("id").asText();
        try (Worker w = BuiltInHandlers.register(Worker.builder()
                .coordinators("http://127.0.0.1:1", url(1)).token(Api.WORKER).queues("failover")).build().start()) {
            assertThat(Jobs.eventually(20_000, () ->
                    "succeeded".equals(Jobs.get(cluster.api(0), id).path("status").asText()))).isTrue();
        }
    }

    @Test
    void aNonRetryableFailureFailsTheJobAtOnce() throws Exception {
        String id = Jobs.enqueue(cluster.api(0), "fatal", Map.of("type", "baton.fail", "maxAttempts", 5,
                "payload", Map.of("failTimes", 3, "retryable", false))).path("id").asText();
        try (Worker w = BuiltInHandlers.register(worker("fatal")).build().start()) {
            assertThat(Jobs.eventually(20_000, () ->
                    "failed".equals(Jobs.get(cluster.api(0), id).path("status").asText()))).isTrue();
        }
        JsonNode job = Jobs.get(cluster.api(0), id);
        assertThat(job.path("attempt").asInt()).isEqualTo(1);
        assertThat(job.path("lastError").path("type").asText()).isEqualTo("NonRetryableException");
    }

    /**
     * Short jobs finish together, so their completions travel together: 300 jobs settle in far
     * fewer transactions than jobs (jobs completed by one statement share its finished_at). A
     * result over the coordinator's payload limit is refused for its own item only, and that job
     * fails as result_too_large while its batch neighbours succeed, each exactly once.
     */
    @Test
    void completionsTravelInBatchesAndATooLargeResultFailsOnlyItsJob() throws Exception {
        Api api = cluster.api(0);
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            batch.add(Map.of("queue", "batched", "type", "result", "payload", Map.of("n", i), "maxAttempts", 1));
        }
        Api.Resp enqueued = api.post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", batch));
        assertThat(enqueued.status()).as(enqueued.toString()).isEqualTo(201);
        String tooLarge = "x".repeat(1024 * 1024 + 1);
        try (Worker w = worker("batched").concurrency(64).handler("result", ctx -> {
            int n = ctx.payload().path("n").asInt();
            return n == 150 ? Map.of("blob", tooLarge) : Map.of("n", n);
        }).build().start()) {
            assertThat(Jobs.eventually(30_000, () -> cluster.queryLong("""
                    select count(*) from jobs where queue = 'batched' and status in ('succeeded', 'failed')""") == 300))
                    .isTrue();
        }
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'batched' and status = 'succeeded'"))
                .isEqualTo(299);
        assertThat(cluster.queryLong("""
                select count(*) from jobs where queue = 'batched' and status = 'failed'
                and payload->>'n' = '150' and last_error->>'type' = 'result_too_large'""")).isEqualTo(1);
        assertThat(cluster.queryLong("""
                select count(*) from jobs where queue = 'batched' and status = 'succeeded'
                and (result->>'n')::int = (payload->>'n')::int""")).isEqualTo(299);
        assertThat(cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.queue = 'batched' and e.type = 'completed'""")).isEqualTo(299);
        long transactions = cluster.queryLong(
                "select count(distinct finished_at) from jobs where queue = 'batched' and status = 'succeeded'");
        assertThat(transactions).as("completion transactions for 299 jobs").isLessThan(150);
    }

    /**
     * Finished jobs ride on the claims that refill their slots: of 400 short jobs queued ahead,
     * most are completed by a claim's carried completions, each exactly once, and never more
     * handlers run at once than the worker has slots, though it keeps two claims in flight.
     */
    @Test
    void completionsRideOnTheNextClaimAndSlotsAreNeverExceeded() throws Exception {
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            batch.add(Map.of("queue", "carried", "type", "short", "payload", Map.of("n", i)));
        }
        Api.Resp enqueued = cluster.api(0).post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", batch));
        assertThat(enqueued.status()).as(enqueued.toString()).isEqualTo(201);
        java.util.concurrent.atomic.AtomicInteger inHandlers = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        long completed;
        long onClaims;
        try (Worker w = worker("carried").concurrency(6).handler("short", ctx -> {
            most.accumulateAndGet(inHandlers.incrementAndGet(), Math::max);
            try {
                Thread.sleep(ctx.payload().path("n").asInt() % 3);
                return Map.of("n", ctx.payload().path("n").asInt());
            } finally {
                inHandlers.decrementAndGet();
            }
        }).build().start()) {
            assertThat(Jobs.eventually(60_000, () -> cluster.queryLong(
                    "select count(*) from jobs where queue = 'carried' and status = 'succeeded'") == 400)).isTrue();
            assertThat(Jobs.eventually(10_000, () -> w.completed() == 400)).isTrue();
            completed = w.completed();
            onClaims = w.completedOnClaims();
        }
        assertThat(most.get()).as("handlers running at once").isBetween(1, 6);
        assertThat(onClaims).as("completions carried by claims, of " + completed).isGreaterThan(200);
        assertThat(cluster.queryLong("""
                select count(*) from job_events e join jobs j on j.id = e.job_id
                where j.queue = 'carried' and e.type = 'completed'""")).isEqualTo(400);
        assertThat(cluster.queryLong("""
                select count(*) from jobs where queue = 'carried' and (result->>'n')::int = (payload->>'n')::int""")).isEqualTo(400);
    }

    /**
     * One bad line must not cost the lines batched with it. The handler writes 160 lines to a
     * coordinator that stores at most 150 per attempt, among them a line with U+0000 and one over
     * 16 KiB: the coordinator refuses a whole request for any of these, and the worker used to drop
     * the whole batch of up to 100. Every good line up to the cap must be stored, in order.
     */
    @Test
    void aRefusedLineCostsOnlyItself() throws Exception {
        var capped = cluster.addCoordinator(Map.of("BATON_LIMITS_LOG_LINES_PER_ATTEMPT", "150"));
        String id = Jobs.enqueue(cluster.api(0), "badlines", Map.of("type", "lines")).path("id").asText();
        List<String> expected = new ArrayList<>();
        JobHandler lines = ctx -> {
            ctx.info("good 1");
            ctx.info("nul \u0000 here");
            ctx.info("good 2");
            ctx.info("x".repeat(16 * 1024 + 1));
            for (int i = 3; i <= 158; i++) {
                ctx.info("good " + i);
            }
            return Map.of();
        };
        for (int i = 1; i <= 150; i++) {
            expected.add("good " + i);
        }
        try (Worker w = Worker.builder().coordinators("http://127.0.0.1:" + capped.port()).token(Api.WORKER)
                .queues("badlines").handler("lines", lines).build().start()) {
            assertThat(Jobs.eventually(30_000, () ->
                    "succeeded".equals(Jobs.get(cluster.api(0), id).path("status").asText()))).isTrue();
        }
        List<String> stored = new ArrayList<>();
        String cursor = null;
        do {
            Api.Resp page = cluster.api(0).get("/api/v1/jobs/" + id + "/logs?limit=1000"
                    + (cursor == null ? "" : "&after=" + cursor), Api.PRODUCER);
            page.body().path("items").forEach(n -> stored.add(n.path("message").asText()));
            cursor = page.body().path("items").isEmpty() ? null : page.body().path("nextCursor").asText();
        } while (cursor != null);
        assertThat(stored).containsExactlyElementsOf(expected);
    }
}
