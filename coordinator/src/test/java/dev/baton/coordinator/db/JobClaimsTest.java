package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.check;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each claim statement starts exactly the jobs its guard admits: queued, due by the database's
 * clock, of an asked type, not locked by another transaction, and (for claimAvailable) of a queue
 * that is neither paused, capped nor rated. Everything else is left as it was.
 */
class JobClaimsTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final JobClaims claims = new JobClaims();

    /** Queued jobs of {@code queue} a claim must pass over, each with its row as it was. */
    private Map<Long, Map<String, String>> notClaimable(String queue) throws SQLException {
        long future = db.insert(queue, JobStatus.QUEUED);
        exec(db.c, "update jobs set run_at = now() + interval '1 minute' where id = ?", future);
        long otherType = db.insert(queue, JobStatus.QUEUED);
        exec(db.c, "update jobs set type = 'other' where id = ?", otherType);
        long running = db.insert(queue, JobStatus.RUNNING);
        long finished = db.insert(queue, JobStatus.FAILED);
        return Map.of(future, db.row(future), otherType, db.row(otherType), running, db.row(running),
                finished, db.row(finished));
    }

    private void assertUnchanged(Map<Long, Map<String, String>> rows) throws SQLException {
        for (var e : rows.entrySet()) {
            assertThat(db.row(e.getKey())).isEqualTo(e.getValue());
        }
    }

    @Test
    void claimAvailableOfOneQueueStartsItsDueJobsOfTheAskedTypesUnderANewLease() throws SQLException {
        long low = db.insert("one", JobStatus.QUEUED);
        long high = db.insert("one", JobStatus.QUEUED);
        exec(db.c, "update jobs set priority = 5 where id = ?", high);
        Map<Long, Map<String, String>> passedOver = notClaimable("one");
        long elsewhere = db.insert("one-other", JobStatus.QUEUED);
        Map<String, String> elsewhereBefore = db.row(elsewhere);
        db.inOneTransaction(() -> {
            List<Job> claimed = claims.claimAvailable(db.c, "w2", List.of("one"), List.of("test"), 10, 30_000);
            assertThat(claimed).extracting(Job::id).containsExactly(Long.toString(high), Long.toString(low));
            assertThat(claimed.get(0).leaseToken()).isNotBlank();
            assertThat(claimed.get(0).attempt()).isEqualTo(1);
            // The claim's time is statement_timestamp(); in this transaction it is after now().
            assertThat(check(db.c, "select status = 'running' and worker_id = 'w2' and version = 2 and lease_ms = 30000"
                    + " and started_at >= now() and lease_expires_at = started_at + interval '30 s'"
                    + " and lease_token = ? from jobs where id = ?", claimed.get(0).leaseToken(), high)).isTrue();
        });
        assertThat(db.events(high)).containsExactly("claimed");
        assertUnchanged(passedOver);
        assertThat(db.row(elsewhere)).isEqualTo(elsewhereBefore);
        assertThat(claims.claimAvailable(db.c, "w2", List.of("one"), null, 10, 30_000))
                .as("any type: the other type's job").hasSize(1);
    }

    @Test
    void claimAvailableHonoursTheLimitAndPassesOverRowsAnotherTransactionHolds() throws SQLException {
        long locked = db.insert("locks", JobStatus.QUEUED);
        exec(db.c, "update jobs set priority = 9 where id = ?", locked);
        long first = db.insert("locks", JobStatus.QUEUED);
        long second = db.insert("locks", JobStatus.QUEUED);
        try (Connection lockHolder = db.holdingRowLock(locked)) {
            List<Job> claimed = claims.claimAvailable(db.c, "w2", List.of("locks"), null, 1, 30_000);
            assertThat(claimed).extracting(Job::id).containsExactly(Long.toString(first));
        }
        assertThat(db.status(locked)).isEqualTo("queued");
        assertThat(db.status(second)).isEqualTo("queued");
    }

    @Test
    void claimAvailableLeavesPausedCappedAndRatedQueuesToClaimFromQueue() throws SQLException {
        exec(db.c, "insert into queues (name, paused) values ('paused', true)");
        exec(db.c, "insert into queues (name, max_running) values ('capped', 10)");
        exec(db.c, "insert into queues (name, rate_per_second) values ('rated', 10)");
        exec(db.c, "insert into queues (name) values ('plain')"); // a row without limits
        long paused = db.insert("paused", JobStatus.QUEUED);
        long capped = db.insert("capped", JobStatus.QUEUED);
        long rated = db.insert("rated", JobStatus.QUEUED);
        long plain = db.insert("plain", JobStatus.QUEUED);
        for (String q : List.of("paused", "capped", "rated")) {
            assertThat(claims.claimAvailable(db.c, "w2", List.of(q), null, 10, 30_000)).as(q).isEmpty();
        }
        assertThat(claims.claimAvailable(db.c, "w2", List.of("paused", "capped", "rated", "plain"), null, 10, 30_000))
                .extracting(Job::id).containsExactly(Long.toString(plain));
        assertThat(List.of(db.status(paused), db.status(capped), db.status(rated))).containsOnly("queued");

        // Under the queue's lock the caller has sized the claim: no queue setting stops it.
        assertThat(claims.claimFromQueue(db.c, "w2", "paused", null, 10, 30_000)).extracting(Job::id)
                .containsExactly(Long.toString(paused));
        assertThat(claims.claimFromQueue(db.c, "w2", "capped", null, 10, 30_000)).hasSize(1);
        assertThat(db.events(capped)).containsExactly("claimed");
    }

    @Test
    void claimFromQueueStillClaimsOnlyDueQueuedJobsOfTheAskedTypes() throws SQLException {
        Map<Long, Map<String, String>> passedOver = notClaimable("from");
        long due = db.insert("from", JobStatus.QUEUED);
        assertThat(claims.claimFromQueue(db.c, "w2", "from", List.of("test"), 10, 30_000)).extracting(Job::id)
                .containsExactly(Long.toString(due));
        assertUnchanged(passedOver);
    }

    @Test
    void claimAvailableOfSeveralQueuesTakesTheBestJobsAcrossThem() throws SQLException {
        long a1 = db.insert("many-a", JobStatus.QUEUED);
        long a2 = db.insert("many-a", JobStatus.QUEUED);
        long b1 = db.insert("many-b", JobStatus.QUEUED);
        exec(db.c, "update jobs set priority = 3 where id in (?, ?)", a2, b1);
        Map<Long, Map<String, String>> passedOver = notClaimable("many-b");
        exec(db.c, "update jobs set priority = 7 where queue = 'many-b' and status = 'queued'");
        List<Job> claimed = claims.claimAvailable(db.c, "w2", List.of("many-a", "many-b"), List.of("test"), 2, 30_000);
        assertThat(claimed).extracting(Job::id).containsExactly(Long.toString(b1), Long.toString(a2));
        assertThat(db.status(a1)).isEqualTo("queued");
        for (long id : passedOver.keySet()) {
            assertThat(value(db.c, "select status from jobs where id = ?", id)).isEqualTo(passedOver.get(id).get("status"));
        }
        assertThat(db.events(b1)).containsExactly("claimed");
    }
}
