package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.TOKEN;
import static dev.baton.coordinator.db.MigratedDatabase.check;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each lease-guarded statement applies to a running row whose lease is held (this token, not yet
 * expired by the database's clock) and changes nothing when the token is another, the lease
 * expired a moment ago, or the job is no longer running.
 */
class JobLeasesTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final JobLeases leases = new JobLeases();

    /** The rows each guard must leave alone: another token, an expired lease, a job no longer running. */
    private List<Long> rowsWithoutTheLease(String queue) throws SQLException {
        long expired = db.insertExpired(queue);
        long cancelled = db.insert(queue, JobStatus.CANCELLED);
        return List.of(db.insert(queue, JobStatus.RUNNING), expired, cancelled);
    }

    /** The token presented for each row of {@link #rowsWithoutTheLease}: not the lease's, then the lease's. */
    private static final List<String> PRESENTED = List.of("another-token", TOKEN, TOKEN);

    @FunctionalInterface
    private interface Guarded {
        Object run(long id, String leaseToken) throws SQLException;
    }

    /** Runs the statement on each row of {@link #rowsWithoutTheLease}: it answers null and changes nothing. */
    private void refusedWithoutTheLease(String queue, Guarded statement) throws SQLException {
        List<Long> ids = rowsWithoutTheLease(queue);
        for (int i = 0; i < ids.size(); i++) {
            Map<String, String> before = db.row(ids.get(i));
            assertThat(statement.run(ids.get(i), PRESENTED.get(i))).as("row " + i).isNull();
            assertThat(db.row(ids.get(i))).as("row " + i).isEqualTo(before);
            assertThat(db.events(ids.get(i))).as("row " + i).isEmpty();
        }
    }

    @Test
    void extendLeaseIfHeldRenewsAHeldLeaseByTheDatabaseClockAndNothingElse() throws SQLException {
        long id = db.insert("extend", JobStatus.RUNNING);
        db.inOneTransaction(() -> {
            JobLeases.Renewal r = leases.extendLeaseIfHeld(db.c, id, TOKEN, 600_000L);
            assertThat(r.workerId()).isEqualTo("w1");
            assertThat(r.queue()).isEqualTo("extend");
            assertThat(r.answer().version()).isEqualTo(1);
            assertThat(check(db.c, "select lease_expires_at = now() + interval '600 s' and lease_ms = 600000"
                    + " and version = 1 and status = 'running' from jobs where id = ?", id)).isTrue();
        });
        db.inOneTransaction(() -> {
            leases.extendLeaseIfHeld(db.c, id, TOKEN, null);
            assertThat(check(db.c, "select lease_expires_at = now() + interval '600 s' from jobs where id = ?", id))
                    .as("without leaseMs the lease is renewed by its last length").isTrue();
        });

        refusedWithoutTheLease("extend", (job, token) -> leases.extendLeaseIfHeld(db.c, job, token, 600_000L));
    }

    @Test
    void completeIfLeaseHeldFinishesAHeldLeaseWithItsEventAndRecordsTheSettlement() throws SQLException {
        long id = db.insert("complete", JobStatus.RUNNING);
        db.inOneTransaction(() -> {
            Job done = leases.completeIfLeaseHeld(db.c, id, TOKEN, "{\"ok\":true}");
            assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(done.version()).isEqualTo(2);
            assertThat(done.result().get("ok").asBoolean()).isTrue();
            assertThat(check(db.c, "select lease_token is null and finished_at = now() from jobs where id = ?", id))
                    .isTrue();
        });
        assertThat(db.events(id)).containsExactly("completed");
        Settlement s = leases.findSettlement(db.c, id);
        assertThat(s.settledLeaseToken()).isEqualTo(TOKEN);
        assertThat(s.settledOutcome()).isEqualTo("completed");
        // The same request again: the lease is gone, so nothing changes.
        Map<String, String> after = db.row(id);
        assertThat(leases.completeIfLeaseHeld(db.c, id, TOKEN, "{}")).isNull();
        assertThat(db.row(id)).isEqualTo(after);

        refusedWithoutTheLease("complete", (job, token) -> leases.completeIfLeaseHeld(db.c, job, token, "{}"));
        assertThat(leases.findSettlement(db.c, Long.MAX_VALUE)).isNull();
    }

    @Test
    void completeEachIfLeaseHeldCompletesExactlyTheItemsWhoseLeaseIsHeld() throws SQLException {
        for (boolean idsOnly : new boolean[] {false, true}) {
            long held1 = db.insert("each", JobStatus.RUNNING);
            long held2 = db.insert("each", JobStatus.RUNNING);
            List<Long> refused = rowsWithoutTheLease("each");
            List<Map<String, String>> untouched = new ArrayList<>();
            for (long id : refused) {
                untouched.add(db.row(id));
            }
            List<Long> ids = List.of(held1, refused.get(0), refused.get(1), held2, refused.get(2));
            List<String> tokens = List.of(TOKEN, PRESENTED.get(0), PRESENTED.get(1), TOKEN, PRESENTED.get(2));
            List<String> results = List.of("{\"n\":1}", "{}", "{}", "{\"n\":2}", "{}");
            Set<Long> done;
            if (idsOnly) {
                done = leases.completeEachIfLeaseHeldIds(db.c, ids, tokens, results).stream()
                        .map(JobLeases.Completed::id).collect(java.util.stream.Collectors.toSet());
            } else {
                Map<Long, Job> jobs = leases.completeEachIfLeaseHeld(db.c, ids, tokens, results);
                assertThat(jobs.get(held2).result().get("n").asInt()).isEqualTo(2);
                assertThat(jobs.get(held1).status()).isEqualTo(JobStatus.SUCCEEDED);
                done = jobs.keySet();
            }
            assertThat(done).as("ids only: " + idsOnly).containsExactlyInAnyOrder(held1, held2);
            assertThat(db.status(held1)).isEqualTo("succeeded");
            assertThat(db.events(held2)).containsExactly("completed");
            assertThat(value(db.c, "select settled_lease_token from jobs where id = ?", held2)).isEqualTo(TOKEN);
            for (int i = 0; i < refused.size(); i++) {
                assertThat(db.row(refused.get(i))).isEqualTo(untouched.get(i));
                assertThat(db.events(refused.get(i))).isEmpty();
            }
        }
    }

    @Test
    void failIfLeaseHeldRequeuesWhileAttemptsAreLeftAndFinishesOtherwise() throws SQLException {
        long retried = db.insert("fail", JobStatus.RUNNING);
        long pastRetryAt = db.insert("fail", JobStatus.RUNNING);
        db.inOneTransaction(() -> {
            Job queued = leases.failIfLeaseHeld(db.c, retried, TOKEN, "boom", "error", true, null);
            assertThat(queued.status()).isEqualTo(JobStatus.QUEUED);
            // backoff_initial_ms 1000, jitter 0: due a second later by the database's clock
            assertThat(check(db.c, "select run_at = now() + interval '1 s' and last_error->>'message' = 'boom'"
                    + " and settled_outcome = 'failed' and lease_token is null from jobs where id = ?", retried))
                    .isTrue();
            leases.failIfLeaseHeld(db.c, pastRetryAt, TOKEN, "boom", "error", true,
                    Instant.parse("2000-01-01T00:00:00Z"));
            assertThat(check(db.c, "select run_at = now() from jobs where id = ?", pastRetryAt))
                    .as("a retryAt in the past is now").isTrue();
        });
        assertThat(db.events(retried)).containsExactly("retry_scheduled");

        long notRetryable = db.insert("fail", JobStatus.RUNNING);
        assertThat(leases.failIfLeaseHeld(db.c, notRetryable, TOKEN, "bad input", "input", false, null).status())
                .isEqualTo(JobStatus.FAILED);
        assertThat(db.events(notRetryable)).containsExactly("failed");

        long lastAttempt = db.insert("fail", JobStatus.RUNNING);
        exec(db.c, "update jobs set attempt = 5 where id = ?", lastAttempt);
        assertThat(leases.failIfLeaseHeld(db.c, lastAttempt, TOKEN, "boom", "error", true, null).status())
                .isEqualTo(JobStatus.FAILED);
        assertThat(check(db.c, "select finished_at is not null from jobs where id = ?", lastAttempt)).isTrue();

        refusedWithoutTheLease("fail", (job, token) -> leases.failIfLeaseHeld(db.c, job, token, "boom", "error",
                true, null));
    }
}
