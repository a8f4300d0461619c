package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.check;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each admin change applies to a row in a status it may start from and changes nothing (answers
 * null) on a row in any other status, even when the caller skipped its own checks.
 */
class JobEditsTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final JobEdits edits = new JobEdits();

    @FunctionalInterface
    private interface Edit {
        Job on(long id) throws SQLException;
    }

    /** Runs {@code edit} on a row in each status outside {@code from}: each answers null and keeps its row. */
    private void refusedOutside(Set<JobStatus> from, Edit edit) throws SQLException {
        for (JobStatus s : EnumSet.complementOf(EnumSet.copyOf(from))) {
            long id = db.insert("edit", s);
            Map<String, String> before = db.row(id);
            assertThat(edit.on(id)).as("on a " + s.wire() + " job").isNull();
            assertThat(db.row(id)).as("on a " + s.wire() + " job").isEqualTo(before);
        }
    }

    @Test
    void cancelLockedCancelsQueuedAndRunningJobsAndRevokesTheLease() throws SQLException {
        long queued = db.insert("edit", JobStatus.QUEUED);
        long running = db.insert("edit", JobStatus.RUNNING);
        db.inOneTransaction(() -> {
            assertThat(edits.cancelLocked(db.c, queued).status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(edits.cancelLocked(db.c, running).version()).isEqualTo(2);
            assertThat(check(db.c, "select bool_and(status = 'cancelled' and finished_at = now() and lease_token is null"
                    + " and lease_expires_at is null) from jobs where id in (?, ?)", queued, running)).isTrue();
        });
        refusedOutside(EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING), id -> edits.cancelLocked(db.c, id));
    }

    @Test
    void retryLockedRequeuesFailedAndCancelledJobsWithAtLeastOneMoreAttempt() throws SQLException {
        long failed = db.insert("edit", JobStatus.FAILED);
        exec(db.c, "update jobs set attempt = 5, progress = '{\"current\": 1}' where id = ?", failed);
        long cancelled = db.insert("edit", JobStatus.CANCELLED);
        Instant later = Instant.parse("2100-01-01T00:00:00Z");
        db.inOneTransaction(() -> {
            Job retried = edits.retryLocked(db.c, failed, null, 2);
            assertThat(retried.status()).isEqualTo(JobStatus.QUEUED);
            assertThat(retried.maxAttempts()).as("at least attempt + 1").isEqualTo(6);
            assertThat(check(db.c, "select run_at = now() and finished_at is null and progress is null and version = 2"
                    + " from jobs where id = ?", failed)).isTrue();
        });
        Job scheduled = edits.retryLocked(db.c, cancelled, later, 9);
        assertThat(scheduled.runAt()).isEqualTo(later);
        assertThat(scheduled.maxAttempts()).isEqualTo(9);
        refusedOutside(EnumSet.of(JobStatus.FAILED, JobStatus.CANCELLED), id -> edits.retryLocked(db.c, id, null, null));
    }

    @Test
    void updateQueuedLockedChangesTheGivenFieldsOfAQueuedJobOnly() throws SQLException {
        long id = db.insert("edit", JobStatus.QUEUED);
        Job edited = edits.updateQueuedLocked(db.c, id, 7, null, null, null, "{\"team\": \"a\"}");
        assertThat(edited.priority()).isEqualTo(7);
        assertThat(edited.labels()).isEqualTo(Map.of("team", "a"));
        assertThat(edited.maxAttempts()).as("absent: unchanged").isEqualTo(5);
        assertThat(edited.payload().isEmpty()).as("absent: unchanged").isTrue();
        assertThat(edited.version()).isEqualTo(2);
        refusedOutside(EnumSet.of(JobStatus.QUEUED), j -> edits.updateQueuedLocked(db.c, j, 7, null, null, null, null));
    }

    @Test
    void findForUpdateHoldsTheRowUntilTheTransactionEnds() throws SQLException {
        long id = db.insert("edit", JobStatus.QUEUED);
        assertThat(edits.findForUpdate(db.c, Long.MAX_VALUE)).isNull();
        try (Connection other = db.connect()) {
            other.setAutoCommit(false);
            assertThat(edits.findForUpdate(other, id).id()).isEqualTo(Long.toString(id));
            db.inOneTransactionRolledBack(() -> {
                exec(db.c, "set local lock_timeout = '50ms'");
                assertThatThrownBy(() -> edits.cancelLocked(db.c, id)).isInstanceOf(SQLException.class)
                        .hasMessageContaining("lock timeout");
            });
        }
        assertThat(edits.cancelLocked(db.c, id)).as("released when the holder ended").isNotNull();
    }

    @Test
    void aRowAtAnotherVersionIsNeitherAnsweredNorLocked() throws SQLException {
        long moved = db.insert("edit", JobStatus.QUEUED);
        long still = db.insert("edit", JobStatus.QUEUED);
        exec(db.c, "update jobs set version = 2 where id = ?", moved);
        db.inOneTransactionRolledBack(() -> {
            assertThat(edits.findForUpdateIfVersion(db.c, moved, 1)).isNull();
            assertThat(edits.find(db.c, moved).version()).isEqualTo(2);
            assertThat(edits.findForUpdateIfVersion(db.c, still, 1).id()).isEqualTo(Long.toString(still));
            try (Connection other = db.connect()) {
                exec(other, "set lock_timeout = '50ms'");
                assertThat(value(other, "select id from jobs where id = ? for update", moved))
                        .as("left unlocked").isEqualTo(moved);
                assertThatThrownBy(() -> exec(other, "select 1 from jobs where id = ? for update", still))
                        .hasMessageContaining("lock timeout");
            }
        });
    }

    @Test
    void insertEventWritesOneEvent() throws SQLException {
        long id = db.insert("edit", JobStatus.QUEUED);
        edits.insertEvent(db.c, id, "updated", "queued", "queued", 0, null, "{\"changed\": [\"priority\"]}", "env:admin#1");
        assertThat(db.events(id)).containsExactly("updated");
        assertThat(value(db.c, "select detail->'changed'->>0 from job_events where job_id = ?", id)).isEqualTo("priority");
    }
}
