package dev.baton.coordinator.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.config.Retention;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pruning of finished jobs past their retention, and Baton's maintenance jobs in JobRunr. */
class FinishedJobPrunerTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(FinishedJobPrunerTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /**
     * A retention BATON_RETENTION accepts but PostgreSQL cannot subtract from now() (9999999d is
     * 27,000 years; timestamps start in 4713 BC) keeps that status's jobs forever. It used to fail
     * the pruner's statement at every pass, before any row was looked at, so the statuses pruned
     * after it were never pruned either.
     */
    @Test
    void aRetentionLongerThanTimestampsGoKeepsItsJobsAndTheOtherStatusesArePruned() {
        String succeeded = Jobs.enqueue(cluster.api(), "forever", Map.of()).path("id").asText();
        String token = Jobs.claimOne(cluster.api(), "forever", 30_000).path("leaseToken").asText();
        assertThat(cluster.api().post("/api/v1/jobs/" + succeeded + "/complete", Api.WORKER,
                Map.of("leaseToken", token)).status()).isEqualTo(200);
        String cancelled = Jobs.enqueue(cluster.api(), "forever", Map.of()).path("id").asText();
        assertThat(cluster.api().post("/api/v1/jobs/" + cancelled + "/cancel", Api.ADMIN, Map.of()).status())
                .isEqualTo(200);
        cluster.execute("update jobs set finished_at = now() - interval '2 days' where queue = 'forever'");
        FinishedJobPruner pruner = cluster.coordinator(0).context().getBean(FinishedJobPruner.class);

        int deleted = pruner.prune(Retention.parse("succeeded=9999999d,1d"), null);

        assertThat(deleted).isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from jobs where id = ?", Long.parseLong(succeeded))).isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from jobs where id = ?", Long.parseLong(cancelled))).isZero();
    }

    @Test
    void pruningDeletesOnlyFinishedJobsPastTheirRetentionWithTheirEventsAndLogs() {
        Api api = cluster.api();
        String succeeded = finishedWithLogs(api, "complete");
        String failed = finishedWithLogs(api, "fail");
        String cancelled = Jobs.enqueue(api, "prune", Map.of()).path("id").asText();
        assertThat(api.post("/api/v1/jobs/" + cancelled + "/cancel", Api.ADMIN, Map.of()).status()).isEqualTo(200);
        String recent = finishedWithLogs(api, "complete");
        String queued = Jobs.enqueue(api, "prune-queued", Map.of()).path("id").asText();
        String running = Jobs.enqueue(api, "prune-running", Map.of()).path("id").asText();
        Jobs.claimOne(api, "prune-running", 3_600_000);
        List<String> old = List.of(succeeded, failed, cancelled);
        for (String id : old) {
            cluster.execute("update jobs set finished_at = now() - interval '8 days' where id = ?", Long.parseLong(id));
        }
        for (String id : List.of(queued, running)) {
            cluster.execute("update jobs set created_at = now() - interval '30 days', run_at = now() - interval '30 days',"
                    + " updated_at = now() - interval '30 days' where id = ?", Long.parseLong(id));
        }
        assertThat(count("job_events", old)).isPositive();
        assertThat(count("job_logs", List.of(succeeded, failed))).isPositive();

        FinishedJobPruner pruner = cluster.coordinator(0).context().getBean(FinishedJobPruner.class);
        assertThat(pruner.prune(Retention.parse("7d"), null)).isGreaterThanOrEqualTo(3);

        assertThat(count("jobs", old)).as("old finished jobs are gone").isZero();
        assertThat(count("job_events", old)).as("with their events").isZero();
        assertThat(count("job_logs", old)).as("and their logs").isZero();
        assertThat(count("jobs", List.of(recent, queued, running))).as("recent, queued and running stay").isEqualTo(3);
        assertThat(count("job_logs", List.of(recent))).isPositive();
        assertThat(api.get("/api/v1/jobs/" + succeeded, Api.ADMIN).status()).isEqualTo(404);

        // Per status, with the clock moved two days on instead of the rows moved back.
        Instant inTwoDays = cluster.instant("select now()").plus(Duration.ofDays(2));
        String recentFailed = finishedWithLogs(api, "fail");
        pruner.prune(Retention.parse("succeeded=1d,failed=30d"), inTwoDays);
        assertThat(count("jobs", List.of(recent))).as("succeeded after 1 day").isZero();
        assertThat(count("jobs", List.of(recentFailed, queued, running))).as("failed kept 30 days").isEqualTo(3);
        pruner.prune(Retention.parse("1d"), Instant.now().plus(Duration.ofDays(400)));
        assertThat(count("jobs", List.of(queued, running))).as("never a queued or running job").isEqualTo(2);
    }

    @Test
    void pruningABacklogGoesInBatchesAndDeletesAllOfIt() {
        cluster.execute("""
                insert into jobs (queue, type, payload, status, max_attempts, run_at, timeout_seconds, backoff_initial_ms,
                                  backoff_factor, backoff_max_ms, backoff_jitter, finished_at)
                select 'backlog', 'old', '{}', 'succeeded', 1, now(), 60, 1000, 2, 60000, 0, now() - interval '9 days'
                from generate_series(1, 2500)""");
        cluster.execute("""
                insert into job_events (job_id, type, to_status, attempt)
                select id, 'enqueued', 'queued', 0 from jobs where queue = 'backlog'""");
        FinishedJobPruner pruner = cluster.coordinator(0).context().getBean(FinishedJobPruner.class);
        assertThat(pruner.prune(Retention.DEFAULT, null)).isGreaterThanOrEqualTo(2500);
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'backlog'")).isZero();
        assertThat(cluster.queryLong("select count(*) from job_events e where not exists (select 1 from jobs j where j.id = e.job_id)"))
                .isZero();
    }

    @Test
    void batonsMaintenanceJobsAreRegisteredWithJobRunr() {
        assertThat(cluster.coordinator(0).context().getBean(RecurringJobs.class).registered().keySet()).contains(RecurringJobs.PRUNE_FINISHED_JOBS, RecurringJobs.EXPIRED_LEASE_SWEEP);
    }

    /** Claims a job in {@code queue} "prune", writes two log lines, then completes or fails it for good. */
    private static String finishedWithLogs(Api api, String how) {
        String id = Jobs.enqueue(api, "prune", Map.of("maxAttempts", 1)).path("id").asText();
        JsonNode job = Jobs.claimOne(api, "prune", 60_000);
        assertThat(job.path("id").asText()).isEqualTo(id);
        String token = job.path("leaseToken").asText();
        assertThat(api.post("/api/v1/jobs/" + id + "/logs", Api.WORKER, Map.of("leaseToken", token, "entries", List.of(
                Map.of("seq", 1, "level", "info", "message", "one"), Map.of("seq", 2, "level", "info", "message", "two"))))
                .status()).isEqualTo(200);
        Map<String, Object> body = new HashMap<>(Map.of("leaseToken", token));
        if (how.equals("fail")) {
            body.put("error", Map.of("message", "no", "retryable", false));
        }
        Api.Resp r = api.post("/api/v1/jobs/" + id + "/" + how, Api.WORKER, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return id;
    }

    private static long count(String table, List<String> ids) {
        String column = table.equals("jobs") ? "id" : "job_id";
        return cluster.queryLong("select count(*) from " + table + " where " + column
                + " = any(string_to_array(?, ',')::bigint[])", String.join(",", ids));
    }
}
