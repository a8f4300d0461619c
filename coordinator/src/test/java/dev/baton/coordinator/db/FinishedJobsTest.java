package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.JobStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pruner's statements delete exactly the jobs of the given status that finished longer ago
 * than the age, with their events: a younger job, a job of another status, a queued or running
 * job (whatever its finished_at says), a row set aside and a row another transaction holds stay.
 */
class FinishedJobsTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final FinishedJobs finished = new FinishedJobs();
    static final Duration HOUR = Duration.ofHours(1);

    @BeforeEach
    void empty() throws SQLException {
        exec(db.c, "delete from jobs");
    }

    private long finishedAgo(JobStatus status, String age) throws SQLException {
        long id = db.insert("prune", status);
        exec(db.c, "update jobs set finished_at = now() - ?::interval where id = ?", age, id);
        return id;
    }

    /** Jobs no prune of succeeded jobs an hour old may delete. */
    private List<Long> kept() throws SQLException {
        long younger = finishedAgo(JobStatus.SUCCEEDED, "59 minutes");
        long failed = finishedAgo(JobStatus.FAILED, "2 hours");
        long queued = db.insert("prune", JobStatus.QUEUED);
        long running = db.insert("prune", JobStatus.RUNNING);
        exec(db.c, "update jobs set finished_at = now() - interval '2 hours' where id in (?, ?)", queued, running);
        return List.of(younger, failed, queued, running);
    }

    private boolean exists(long id) throws SQLException {
        return db.row(id) != null;
    }

    @Test
    void deleteFinishedBeforeDeletesOldJobsOfTheStatusWithTheirEvents() throws SQLException {
        long old = finishedAgo(JobStatus.SUCCEEDED, "61 minutes");
        exec(db.c, "insert into job_events (job_id, type, to_status, attempt) values (?, 'completed', 'succeeded', 1)", old);
        List<Long> kept = kept();
        assertThat(finished.finishedBeforeIds(db.c, "succeeded", HOUR, null, 100, List.of())).containsExactly(old);
        assertThat(finished.deleteFinishedBefore(db.c, "succeeded", HOUR, null, 100, List.of())).isEqualTo(1);
        assertThat(exists(old)).isFalse();
        assertThat(value(db.c, "select count(*) from job_events where job_id = ?", old)).isEqualTo(0L);
        for (long id : kept) {
            assertThat(exists(id)).as("job " + id).isTrue();
        }
    }

    @Test
    void deleteFinishedBeforeCountsAgeFromTheGivenNowAndTakesAnyRetention() throws SQLException {
        long id = finishedAgo(JobStatus.CANCELLED, "30 minutes");
        Instant inAnHour = Instant.now().plus(HOUR);
        assertThat(finished.deleteFinishedBefore(db.c, "cancelled", HOUR, null, 100, List.of())).isZero();
        assertThat(finished.deleteFinishedBefore(db.c, "cancelled", Duration.ofDays(365L * 100_000), inAnHour, 100,
                List.of())).as("an age no timestamp can be subtracted from").isZero();
        assertThat(finished.deleteFinishedBefore(db.c, "cancelled", HOUR, inAnHour, 100, List.of())).isEqualTo(1);
        assertThat(exists(id)).isFalse();
    }

    @Test
    void deleteFinishedBeforeLeavesOutSkippedAndLockedRowsAndStopsAtTheLimit() throws SQLException {
        long oldest = finishedAgo(JobStatus.FAILED, "4 hours");
        long skipped = finishedAgo(JobStatus.FAILED, "3 hours");
        long locked = finishedAgo(JobStatus.FAILED, "2 hours 30 minutes");
        long next = finishedAgo(JobStatus.FAILED, "2 hours");
        long last = finishedAgo(JobStatus.FAILED, "90 minutes");
        try (Connection lockHolder = db.holdingRowLock(locked)) {
            assertThat(finished.finishedBeforeIds(db.c, "failed", HOUR, null, 2, List.of(skipped)))
                    .containsExactly(oldest, locked);
            // The locked row is passed over, not counted: the limit takes the next one instead.
            assertThat(finished.deleteFinishedBefore(db.c, "failed", HOUR, null, 2, List.of(skipped))).isEqualTo(2);
            assertThat(exists(oldest)).isFalse();
            assertThat(exists(next)).isFalse();
            assertThat(exists(last)).as("past the limit").isTrue();
            assertThat(finished.deleteFinishedBefore(db.c, "failed", HOUR, null, 100, List.of(skipped))).isEqualTo(1);
            assertThat(exists(locked)).as("held by another transaction").isTrue();
            assertThat(finished.deleteOneFinishedBefore(db.c, locked, "failed", HOUR, null)).isFalse();
        }
        assertThat(exists(last)).isFalse();
        assertThat(exists(skipped)).isTrue();
        assertThat(finished.deleteOneFinishedBefore(db.c, locked, "failed", HOUR, null)).isTrue();
    }

    @Test
    void deleteOneFinishedBeforeDeletesThatOneJobOnlyIfItIsOldAndOfTheStatus() throws SQLException {
        long old = finishedAgo(JobStatus.SUCCEEDED, "2 hours");
        long alsoOld = finishedAgo(JobStatus.SUCCEEDED, "2 hours");
        List<Long> kept = kept();
        for (long id : kept) {
            assertThat(finished.deleteOneFinishedBefore(db.c, id, "succeeded", HOUR, null)).as("job " + id).isFalse();
            assertThat(exists(id)).isTrue();
        }
        assertThat(finished.deleteOneFinishedBefore(db.c, old, "failed", HOUR, null)).as("another status").isFalse();
        assertThat(finished.deleteOneFinishedBefore(db.c, old, "succeeded", HOUR, null)).isTrue();
        assertThat(exists(old)).isFalse();
        assertThat(exists(alsoOld)).isTrue();
    }
}
