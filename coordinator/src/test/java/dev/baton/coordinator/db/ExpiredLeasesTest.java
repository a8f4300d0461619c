package dev.baton.coordinator.db;

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
    static final JobTable db = new JobTable();
    static final ExpiredLeases expired = new ExpiredLeases();

    @BeforeEach
    void noRunningJobsLeft() throws SQLException {
        db.exec("delete from jobs");
    }

    private long leaseExpired(String queue) throws SQLException {
        long id = db.insert(queue, JobStatus.RUNNING);
        db.exec("update jobs set lease_expires_at = now() - interval '1 millisecond' where id = ?", id);
        return id;
    }

    private long timedOut(String queue) throws SQLException {
        long id = db.insert(queue, JobStatus.RUNNING); // lease good for a minute, started a minute ago
        db.exec("update jobs set timeout_seconds = 59 where id = ?", id);
        return id;
    }

    /** A live attempt (lease unexpired, within its timeout) and jobs not running, with their rows as they were. */
    private Map<Long, Map<String, Object>> notExpired(String queue) throws SQLException {
        long live = db.insert(queue, JobStatus.RUNNING); // started a minute ago, timeout an hour
        long queued = db.insert(queue, JobStatus.QUEUED);
        db.exec("update jobs set started_at = now() - interval '1 hour', timeout_seconds = 1 where id = ?", queued);
        long succeeded = db.insert(queue, JobStatus.SUCCEEDED);
        return Map.of(live, db.row(live), queued, db.row(queued), succeeded, db.row(succeeded));
    }

    private void assertUnchanged(Map<Long, Map<String, Object>> rows) throws SQLException {
        for (var e : rows.entrySet()) {
            assertThat(db.row(e.getKey())).isEqualTo(e.getValue());
            assertThat(db.events(e.getKey())).isEmpty();
        }
    }

    @Test
    void requeueExpiredLeasesEndsExpiredAndTimedOutAttemptsOnly() throws SQLException {
        long lease = leaseExpired("reap-a");
        long timeout = timedOut("reap-b");
        long last = leaseExpired("reap-a");
        db.exec("update jobs set attempt = 5 where id = ?", last);
        Map<Long, Map<String, Object>> untouched = notExpired("reap-a");
        db.inOneTransaction(() -> {
            assertThat(expired.requeueExpiredLeases(db.c, 100, List.of()))
                    .containsExactlyInAnyOrder("reap-a", "reap-b", "reap-a");
            // backoff_initial_ms 1000, jitter 0: due again a second later by the database's clock
            assertThat(db.check("select status = 'queued' and run_at = now() + interval '1 s' and lease_token is null"
                    + " and version = 2 and last_error->>'type' = 'lease_expired' from jobs where id = ?", lease))
                    .isTrue();
            assertThat(db.check("select status = 'queued' and last_error->>'type' = 'timeout'"
                    + " and last_error->>'message' = 'attempt ran longer than 59s' from jobs where id = ?", timeout))
                    .isTrue();
            assertThat(db.check("select status = 'failed' and finished_at = now() from jobs where id = ?", last))
                    .as("the last attempt fails the job").isTrue();
        });
        assertThat(db.events(lease)).containsExactly("lease_expired");
        assertThat(db.events(timeout)).containsExactly("retry_scheduled");
        assertThat(db.events(last)).containsExactly("lease_expired");
        assertUnchanged(untouched);
    }

    @Test
    void requeueExpiredLeasesLeavesOutSkippedAndLockedRowsAndStopsAtTheLimit() throws SQLException {
        long skipped = leaseExpired("skip");
        long locked = leaseExpired("skip");
        long oldest = leaseExpired("skip");
        db.exec("update jobs set lease_expires_at = now() - interval '1 hour' where id = ?", oldest);
        long next = leaseExpired("skip");
        db.exec("update jobs set lease_expires_at = now() - interval '1 minute' where id = ?", next);
        long later = leaseExpired("skip");
        Map<String, Object> skippedBefore = db.row(skipped);
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
        long lease = leaseExpired("one");
        long timeout = timedOut("one");
        long alsoExpired = leaseExpired("one");
        Map<Long, Map<String, Object>> untouched = notExpired("one");
        assertThat(expired.requeueExpiredLease(db.c, lease)).isEqualTo("one");
        assertThat(expired.requeueExpiredLease(db.c, timeout)).isEqualTo("one");
        assertThat(db.status(alsoExpired)).as("only the row asked for").isEqualTo("running");
        for (long id : untouched.keySet()) {
            assertThat(expired.requeueExpiredLease(db.c, id)).isNull();
        }
        assertUnchanged(untouched);
        assertThat(db.events(lease)).containsExactly("lease_expired");
        assertThat(expired.expiredLeaseIds(db.c, 100, List.of())).containsExactly(alsoExpired);
    }
}
