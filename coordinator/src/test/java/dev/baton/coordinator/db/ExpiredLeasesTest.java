package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.check;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.JobStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reaper's statements end exactly the running attempts whose lease expired or that ran past
 * their timeout, by the database's clock: a live attempt, a job not running, a row set aside and a
 * row another transaction holds are left as they were.
 */
class ExpiredLeasesTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final ExpiredLeases expired = new ExpiredLeases();

    @BeforeEach
    void noRunningJobsLeft() throws SQLException {
        exec(db.c, "delete from jobs");
    }

    private long timedOut(String queue) throws SQLException {
        long id = db.insert(queue, JobStatus.RUNNING); // lease good for a minute, started a minute ago
        exec(db.c, "update jobs set timeout_seconds = 59 where id = ?", id);
        return id;
    }

    /** A live attempt (lease unexpired, within its timeout) and jobs not running, with their rows as they were. */
    private Map<Long, Map<String, String>> notExpired(String queue) throws SQLException {
        long live = db.insert(queue, JobStatus.RUNNING); // started a minute ago, timeout an hour
        long queued = db.insert(queue, JobStatus.QUEUED);
        exec(db.c, "update jobs set started_at = now() - interval '1 hour', timeout_seconds = 1 where id = ?", queued);
        long succeeded = db.insert(queue, JobStatus.SUCCEEDED);
        return Map.of(live, db.row(live), queued, db.row(queued), succeeded, db.row(succeeded));
    }

    private void assertUnchanged(Map<Long, Map<String, String>> rows) throws SQLException {
        for (var e : rows.entrySet()) {
            assertThat(db.row(e.getKey())).isEqualTo(e.getValue());
            assertThat(db.events(e.getKey())).isEmpty();
        }
    }

    @Test
    void requeueExpiredLeasesEndsExpiredAndTimedOutAttemptsOnly() throws SQLException {
        long lease = db.insertExpired("reap-a");
        long timeout = timedOut("reap-b");
        long last = db.insertExpired("reap-a");
        exec(db.c, "update jobs set attempt = 5 where id = ?", last);
        Map<Long, Map<String, String>> untouched = notExpired("reap-a");
        db.inOneTransaction(() -> {
            // what metrics count: queue, type, lease ran out (else timed out), queued again (else failed)
            assertThat(expired.requeueExpiredLeases(db.c, 100, List.of())).extracting(
                            e -> e.queue() + "/" + e.leaseExpired() + "/" + e.requeued())
                    .containsExactlyInAnyOrder("reap-a/true/true", "reap-b/false/true", "reap-a/true/false");
            // backoff_initial_ms 1000, jitter 0: due again a second later by the database's clock
            assertThat(check(db.c, "select status = 'queued' and run_at = now() + interval '1 s' and lease_token is null"
                    + " and version = 2 and last_error->>'type' = 'lease_expired' from jobs where id = ?", lease))
                    .isTrue();
            assertThat(check(db.c, "select status = 'queued' and last_error->>'type' = 'timeout'"
                    + " and last_error->>'message' = 'attempt ran longer than 59s' from jobs where id = ?", timeout))
                    .isTrue();
            assertThat(check(db.c, "select status = 'failed' and finished_at = now() from jobs where id = ?", last))
                    .as("the last attempt fails the job").isTrue();
        });
        assertThat(db.events(lease)).containsExactly("lease_expired");
        assertThat(db.events(timeout)).containsExactly("retry_scheduled");
        assertThat(db.events(last)).containsExactly("lease_expired");
        assertUnchanged(untouched);
    }

    @Test
    void requeueExpiredLeasesLeavesOutSkippedAndLockedRowsAndStopsAtTheLimit() throws SQLException {
        long skipped = db.insertExpired("skip");
        long locked = db.insertExpired("skip");
        long oldest = db.insertExpired("skip");
        exec(db.c, "update jobs set lease_expires_at = now() - interval '1 hour' where id = ?", oldest);
        long next = db.insertExpired("skip");
        exec(db.c, "update jobs set lease_expires_at = now() - interval '1 minute' where id = ?", next);
        long later = db.insertExpired("skip");
        Map<String, String> skippedBefore = db.row(skipped);
        try (Connection lockHolder = db.holdingRowLock(locked)) {
            assertThat(expired.expiredLeaseIds(db.c, 2, List.of(skipped))).containsExactly(oldest, next);
            assertThat(expired.requeueExpiredLeases(db.c, 2, List.of(skipped))).hasSize(2);
            assertThat(db.status(oldest)).isEqualTo("queued");
            assertThat(db.status(next)).isEqualTo("queued");
            assertThat(db.status(later)).as("past the limit").isEqualTo("running");
            assertThat(expired.requeueExpiredLeases(db.c, 100, List.of(skipped))).hasSize(1);
            assertThat(db.status(locked)).as("held by another transaction").isEqualTo("running");
            assertThat(expired.requeueExpiredLease(db.c, locked)).isNull();
        }
        assertThat(db.row(skipped)).isEqualTo(skippedBefore);
        assertThat(expired.expiredLeaseIds(db.c, 100, List.of())).containsExactlyInAnyOrder(skipped, locked);
    }

    @Test
    void requeueExpiredLeaseEndsThatOneAttemptIfItExpired() throws SQLException {
        long lease = db.insertExpired("one");
        long timeout = timedOut("one");
        long alsoExpired = db.insertExpired("one");
        Map<Long, Map<String, String>> untouched = notExpired("one");
        assertThat(expired.requeueExpiredLease(db.c, lease).queue()).isEqualTo("one");
        assertThat(expired.requeueExpiredLease(db.c, timeout)).extracting(e -> e.queue() + "/" + e.leaseExpired())
                .isEqualTo("one/false");
        assertThat(db.status(alsoExpired)).as("only the row asked for").isEqualTo("running");
        for (long id : untouched.keySet()) {
            assertThat(expired.requeueExpiredLease(db.c, id)).isNull();
        }
        assertUnchanged(untouched);
        assertThat(db.events(lease)).containsExactly("lease_expired");
        assertThat(expired.expiredLeaseIds(db.c, 100, List.of())).containsExactly(alsoExpired);
    }
}
