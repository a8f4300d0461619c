package dev.baton.coordinator.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.config.Retention;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One job must never stop recovery for the others: a backoff that would overflow is clamped, and
 * a row a maintenance statement cannot handle is set aside while the rest are handled. The
 * reaper's own timer is off here; the tests step it.
 */
class BadRowsTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(BadRowsTest.class, 1, Map.of("BATON_REAPER_INTERVAL_MS", "3600000"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static final Map<String, Object> STEEP = Map.of("maxAttempts", 1000,
            "backoff", Map.of("initialMs", 1000, "factor", 100.0, "maxMs", 60_000, "jitter", 0));

    @Test
    void failAtAttempt200WithFactor100WaitsMaxMs() {
        String id = Jobs.enqueue(cluster.api(), "steep-fail", STEEP).path("id").asText();
        JsonNode job = Jobs.claimOne(cluster.api(), "steep-fail", 30_000);
        cluster.execute("update jobs set attempt = 200 where id = ?", Long.parseLong(id));

        Api.Resp failed = cluster.api().post("/api/v1/jobs/" + id + "/fail", Api.WORKER,
                Map.of("leaseToken", job.path("leaseToken").asText(), "error", Map.of("message", "again")));
        assertThat(failed.status()).as(failed.toString()).isEqualTo(200);
        assertThat(failed.body().path("status").asText()).isEqualTo("queued");
        Instant runAt = Instant.parse(failed.body().path("runAt").asText());
        Instant updatedAt = Instant.parse(failed.body().path("updatedAt").asText());
        assertThat(Duration.between(updatedAt, runAt)).isEqualTo(Duration.ofMillis(60_000));
    }

    @Test
    void expiredLeaseAtAttempt200WithFactor100IsQueuedAgainAndSoAreTheOthers() {
        String steep = Jobs.enqueue(cluster.api(), "steep-expiry", STEEP).path("id").asText();
        String plain = Jobs.enqueue(cluster.api(), "steep-expiry", Map.of()).path("id").asText();
        Jobs.claimOne(cluster.api(), "steep-expiry", 30_000);
        Jobs.claimOne(cluster.api(), "steep-expiry", 30_000);
        cluster.execute("update jobs set attempt = 200 where id = ?", Long.parseLong(steep));
        expire(steep, plain);

        reaper().step();

        JsonNode job = Jobs.get(cluster.api(), steep);
        assertThat(job.path("status").asText()).isEqualTo("queued");
        assertThat(Duration.between(Instant.parse(job.path("updatedAt").asText()),
                Instant.parse(job.path("runAt").asText()))).isEqualTo(Duration.ofMillis(60_000));
        assertThat(Jobs.get(cluster.api(), plain).path("status").asText()).isEqualTo("queued");
    }

    @Test
    void aRowTheReaperCannotHandleIsSetAsideAndTheOthersAreQueuedAgain() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(Jobs.enqueue(cluster.api(), "bad-row", Map.of()).path("id").asText());
            Jobs.claimOne(cluster.api(), "bad-row", 30_000);
        }
        String bad = ids.get(1);
        // A delay no timestamp can hold: the reaper's statement fails on this row whatever the arithmetic.
        cluster.execute("update jobs set backoff_initial_ms = 9e16, backoff_max_ms = 9e16 where id = ?",
                Long.parseLong(bad));
        expire(ids.toArray(String[]::new));
        double before = rowFailures("lease-reaper");

        reaper().step();

        for (String id : ids) {
            assertThat(Jobs.get(cluster.api(), id).path("status").asText()).as(id)
                    .isEqualTo(id.equals(bad) ? "running" : "queued");
        }
        assertThat(rowFailures("lease-reaper")).isEqualTo(before + 1);

        // Repaired by hand, it is handled at the next pass.
        cluster.execute("update jobs set backoff_initial_ms = 0, backoff_max_ms = 0 where id = ?", Long.parseLong(bad));
        reaper().step();
        assertThat(Jobs.get(cluster.api(), bad).path("status").asText()).isEqualTo("queued");
        assertThat(rowFailures("lease-reaper")).isEqualTo(before + 1);
    }

    @Test
    void aRowThePrunerCannotDeleteIsSetAsideAndTheOthersAreDeleted() {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = Jobs.enqueue(cluster.api(), "prune-bad", Map.of()).path("id").asText();
            assertThat(cluster.api().post("/api/v1/jobs/" + id + "/cancel", Api.ADMIN, Map.of()).status()).isEqualTo(200);
            ids.add(Long.parseLong(id));
        }
        long pinned = ids.get(0);
        // A table of the operator's own that refers to one job: deleting that job is refused.
        cluster.execute("create table if not exists pins (job_id bigint references jobs (id))");
        cluster.execute("insert into pins values (?)", pinned);
        cluster.execute("update jobs set finished_at = now() - interval '2 days' where queue = 'prune-bad'");
        double before = rowFailures("finished-job-pruner");
        Duration day = Duration.ofDays(1);

        int deleted = pruner().prune(new Retention(day, day, day), null);

        assertThat(deleted).isGreaterThanOrEqualTo(2);
        assertThat(cluster.queryLong("select count(*) from jobs where queue = 'prune-bad'")).isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from jobs where id = ?", pinned)).isEqualTo(1);
        assertThat(rowFailures("finished-job-pruner")).isEqualTo(before + 1);
    }

    private static void expire(String... ids) {
        for (String id : ids) {
            cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where id = ?",
                    Long.parseLong(id));
        }
    }

    private static ExpiredLeaseReaper reaper() {
        return cluster.coordinator(0).context().getBean(ExpiredLeaseReaper.class);
    }

    private static FinishedJobPruner pruner() {
        return cluster.coordinator(0).context().getBean(FinishedJobPruner.class);
    }

    /** baton_maintenance_row_failures_total of one duty, as /prometheus exports it (0 before its first failure). */
    private static double rowFailures(String duty) {
        Api.Resp r = cluster.api().get("/prometheus", Api.ADMIN);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        Matcher m = Pattern.compile("(?m)^baton_maintenance_row_failures_total\\{duty=\"" + Pattern.quote(duty)
                + "\",?}\\s+(\\S+)$").matcher(r.raw());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
