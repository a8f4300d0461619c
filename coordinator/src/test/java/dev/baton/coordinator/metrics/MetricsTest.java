package dev.baton.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.Scrape;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A known workload on one coordinator, then its {@code /prometheus}: every job counter equals
 * what the database recorded (rows and events counted in SQL), every refusal the workload caused
 * is counted once and nothing refused or rolled back is counted as done, and the depth gauges
 * equal {@code select count(*)}. The series docs/grafana-dashboard.json and docs/alerts.md query
 * are all in that scrape.
 */
class MetricsTest {
    private static final String Q = "mq";
    private static final String TYPE = "test.job";
    /** Jobs that end an attempt badly are queued again an hour later: the depths stay still while the test reads them. */
    private static final Map<String, Object> SLOW_BACKOFF = Map.of("initialMs", 3_600_000, "factor", 1.0,
            "maxMs", 3_600_000, "jitter", 0);
    static TestCluster cluster;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(MetricsTest.class, 1, Map.of("BATON_REAPER_INTERVAL_MS", "200"));
        api = cluster.api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void countersEqualWhatTheDatabaseRecordedAndGaugesItsDepths() throws Exception {
        for (int i = 0; i < 8; i++) {
            Jobs.enqueue(api, Q, Map.of("maxAttempts", 3, "backoff", SLOW_BACKOFF));
        }
        Jobs.enqueue(api, Q, Map.of("runAt", Instant.now().plus(1, ChronoUnit.HOURS).toString()));
        // a batch enqueue counts each job it created
        Api.Resp batch = api.post("/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", List.of(
                Map.of("type", TYPE, "queue", Q), Map.of("type", TYPE, "queue", Q))));
        assertThat(batch.status()).as(batch.toString()).isEqualTo(201);
        // a duplicate of an active uniqueKey creates nothing and counts nothing
        Jobs.enqueue(api, Q, Map.of("uniqueKey", "once"));
        assertThat(api.post("/api/v1/jobs", Api.PRODUCER, Map.of("type", TYPE, "queue", Q, "uniqueKey", "once"))
                .status()).isEqualTo(200);

        JsonNode completed = Jobs.claimOne(api, Q, 30_000);
        assertThat(complete(completed, completed.path("leaseToken").asText()).status()).isEqualTo(200);
        // the same complete sent again is answered from the settlement: deduplicated, not completed twice
        assertThat(complete(completed, completed.path("leaseToken").asText()).status()).isEqualTo(200);

        JsonNode batched = Jobs.claimOne(api, Q, 30_000);
        Api.Resp completions = api.send("POST", "/api/v1/completions", Api.WORKER, Map.of("items", List.of(
                Map.of("id", batched.path("id").asText(), "leaseToken", batched.path("leaseToken").asText()))),
                "application/json", Map.of("Prefer", "return=minimal"));
        assertThat(completions.status()).as(completions.toString()).isEqualTo(200);

        JsonNode failedForGood = Jobs.claimOne(api, Q, 30_000);
        assertThat(fail(failedForGood, false, null).body().path("status").asText()).isEqualTo("failed");
        JsonNode retried = Jobs.claimOne(api, Q, 30_000);
        assertThat(fail(retried, true, Instant.now().plus(1, ChronoUnit.HOURS)).body().path("status").asText())
                .isEqualTo("queued");

        // an admin cancel with a stale version is refused and rolls back; the right one counts
        String toCancel = Jobs.enqueue(api, Q, Map.of()).path("id").asText();
        long version = Jobs.get(api, toCancel).path("version").asLong();
        assertThat(api.post("/api/v1/jobs/" + toCancel + "/cancel", Api.ADMIN, Map.of("expectedVersion", version + 5))
                .code()).isEqualTo("version_conflict");
        assertThat(api.post("/api/v1/jobs/" + toCancel + "/cancel", Api.ADMIN, Map.of("expectedVersion", version))
                .status()).isEqualTo(200);

        // a log line sent again with other content is a log_conflict
        JsonNode logging = Jobs.claimOne(api, Q, 30_000);
        String logs = "/api/v1/jobs/" + logging.path("id").asText() + "/logs";
        String token = logging.path("leaseToken").asText();
        assertThat(api.post(logs, Api.WORKER, Map.of("leaseToken", token, "entries",
                List.of(Map.of("seq", 1, "level", "info", "message", "a")))).status()).isEqualTo(200);
        assertThat(api.post(logs, Api.WORKER, Map.of("leaseToken", token, "entries",
                List.of(Map.of("seq", 1, "level", "info", "message", "b")))).code()).isEqualTo("log_conflict");

        // a lease left to expire is ended by the reaper; its worker's late complete is refused
        JsonNode expiring = Jobs.claimOne(api, Q, 1000);
        assertThat(Jobs.eventually(15_000, () -> "queued".equals(Jobs.get(api, expiring.path("id").asText())
                .path("status").asText()))).isTrue();
        assertThat(complete(expiring, expiring.path("leaseToken").asText()).code()).isEqualTo("lease_lost");

        // an attempt that runs past its job's timeout is ended too
        String timing = Jobs.enqueue(api, "mq-timeout", Map.of("timeoutSeconds", 1, "backoff", SLOW_BACKOFF))
                .path("id").asText();
        Jobs.claimOne(api, "mq-timeout", 60_000);
        assertThat(Jobs.eventually(15_000, () -> "queued".equals(Jobs.get(api, timing).path("status").asText())))
                .isTrue();

        // a claim that waits on an empty queue wakes when its poll interval passes
        assertThat(api.post("/api/v1/claims", Api.WORKER, Map.of("workerId", "w", "queues", List.of("mq-empty"),
                "waitMs", 600)).body().path("jobs")).isEmpty();

        // the database's truth, and the scrape
        long enqueued = cluster.queryLong("select count(*) from jobs where queue = ?", Q);
        assertThat(enqueued).isEqualTo(13);
        Scrape s = Scrape.of(api);
        assertThat(s.value("baton_jobs_enqueued_total", "queue", Q, "type", TYPE)).isEqualTo(enqueued);
        assertThat(s.value("baton_jobs_claimed_total", "queue", Q)).isEqualTo(events(Q, "e.type = 'claimed'"))
                .isEqualTo(6);
        assertThat(s.value("baton_jobs_succeeded_total", "queue", Q)).isEqualTo(events(Q, "e.type = 'completed'"))
                .isEqualTo(2);
        assertThat(s.value("baton_jobs_failed_total", "queue", Q)).isEqualTo(events(Q, "e.to_status = 'failed'"))
                .isEqualTo(1);
        assertThat(s.value("baton_jobs_retried_total", "queue", Q)).isEqualTo(events(Q, "e.type = 'retry_scheduled'"))
                .isEqualTo(1);
        assertThat(s.value("baton_jobs_cancelled_total", "queue", Q)).isEqualTo(events(Q, "e.type = 'cancelled'"))
                .isEqualTo(1);
        assertThat(s.value("baton_jobs_lease_expired_total", "queue", Q)).isEqualTo(events(Q, "e.type = 'lease_expired'"))
                .isEqualTo(1);
        assertThat(s.value("baton_jobs_timed_out_total", "queue", "mq-timeout"))
                .isEqualTo(events("mq-timeout", "e.detail->>'type' = 'timeout'")).isEqualTo(1);
        assertThat(s.value("baton_jobs_retried_total", "queue", "mq-timeout")).isEqualTo(1);
        assertThat(s.value("baton_completions_refused_total", "reason", "lease_lost")).isEqualTo(1);
        assertThat(s.value("baton_completions_refused_total", "reason", "deduplicated")).isEqualTo(1);
        assertThat(s.value("baton_completions_refused_total", "reason", "version_conflict")).isEqualTo(1);
        assertThat(s.value("baton_completions_refused_total", "reason", "log_conflict")).isEqualTo(1);
        // one wait per claim, one run time per attempt a worker ended
        assertThat(s.value("baton_job_wait_seconds_count", "queue", Q)).isEqualTo(6);
        assertThat(s.value("baton_job_run_seconds_count", "queue", Q, "outcome", "succeeded")).isEqualTo(2);
        assertThat(s.value("baton_job_run_seconds_count", "queue", Q, "outcome", "failed")).isEqualTo(1);
        assertThat(s.value("baton_job_run_seconds_count", "queue", Q, "outcome", "retried")).isEqualTo(1);
        assertThat(s.value("baton_maintenance_runs_total", "duty", "lease-reaper", "outcome", "ok")).isPositive();
        assertThat(s.value("baton_maintenance_rows_total", "duty", "lease-reaper")).isEqualTo(2);
        assertThat(s.value("baton_redis_up")).isEqualTo(1);
        assertThat(s.value("baton_claim_wakeups_total", "source", "poll")).isPositive();
        assertThat(s.has("baton_schedule_ticks_enqueued_total")).isTrue();
        assertThat(s.has("baton_schedule_ticks_late_total")).isTrue();
        assertThat(s.value("baton_queues_active")).isEqualTo(2); // mq and mq-timeout

        // the gauges: the queue appears once the depth statement has seen it, then reads the database's counts
        long queued = cluster.queryLong("select count(*) from jobs where queue = ? and status = 'queued' "
                + "and run_at <= now()", Q);
        long scheduled = cluster.queryLong("select count(*) from jobs where queue = ? and status = 'queued' "
                + "and run_at > now()", Q);
        long running = cluster.queryLong("select count(*) from jobs where queue = ? and status = 'running'", Q);
        assertThat(queued).isEqualTo(5);
        assertThat(scheduled).isEqualTo(3);
        assertThat(running).isEqualTo(1);
        assertThat(Jobs.eventually(15_000, () -> {
            Scrape now = Scrape.of(api);
            return now.value("baton_queue_depth", "queue", Q, "status", "queued") == queued
                    && now.value("baton_queue_depth", "queue", Q, "status", "scheduled") == scheduled
                    && now.value("baton_queue_depth", "queue", Q, "status", "running") == running;
        })).as("depth gauges equal the database's counts").isTrue();
        double oldest = Scrape.of(api).value("baton_queue_oldest_age_seconds", "queue", Q);
        double oldestInDb = cluster.queryLong("select ceil(extract(epoch from now() - min(run_at)))::bigint from jobs "
                + "where queue = ? and status = 'queued' and run_at <= now()", Q);
        assertThat(oldest).isPositive().isLessThanOrEqualTo(oldestInDb);
        Scrape last = Scrape.of(api);
        assertThat(last.value("baton_queue_depth", "queue", "mq-timeout", "status", "scheduled")).isEqualTo(1);

        // the dashboard and the alerts query only series this coordinator serves (the worker
        // panels' series, baton_worker_*, are held against a worker's registry in WorkerMetricsTest)
        assertThat(DashboardSeries.dashboard()).isNotEmpty().filteredOn(name -> !name.startsWith("baton_worker_"))
                .allSatisfy(name ->
                assertThat(last.names()).as("docs/grafana-dashboard.json names " + name).contains(name));
        assertThat(DashboardSeries.alerts()).isNotEmpty().allSatisfy(name ->
                assertThat(last.names()).as("docs/alerts.md names " + name).contains(name));
    }

    private static long events(String queue, String where) {
        return cluster.queryLong("select count(*) from job_events e join jobs j on j.id = e.job_id where j.queue = ? and "
                + where, queue);
    }

    private static Api.Resp complete(JsonNode job, String leaseToken) {
        return api.post("/api/v1/jobs/" + job.path("id").asText() + "/complete", Api.WORKER,
                Map.of("leaseToken", leaseToken));
    }

    private static Api.Resp fail(JsonNode job, boolean retryable, Instant retryAt) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("leaseToken", job.path("leaseToken").asText(),
                "error", Map.of("message", "boom", "retryable", retryable)));
        if (retryAt != null) {
            body.put("retryAt", retryAt.toString());
        }
        Api.Resp r = api.post("/api/v1/jobs/" + job.path("id").asText() + "/fail", Api.WORKER, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r;
    }
}
