package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.TOKEN;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.JobStatus;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SQL guards agree with the state table ({@link JobStatus.Move}, {@link JobStatus#canMoveTo}):
 * a row is put in each status with plain SQL, every guarded statement that moves a job
 * ({@link JobClaims}, {@link JobLeases}, {@link ExpiredLeases}, {@link JobEdits}) is
 * run against it, and the row changed exactly when the table lets the statement's move start
 * from that status, landing where the move leads (the statements that move no status change a
 * row exactly in the status they serve). Nothing else touches the rows.
 */
class StateTableTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final JobClaims claims = new JobClaims();
    static final JobLeases leases = new JobLeases();
    static final ExpiredLeases expired = new ExpiredLeases();
    static final JobEdits edits = new JobEdits();

    /** A statement under test: the move it makes (null: none), or else the statuses it serves. */
    private record Guarded(String name, JobStatus.Move move, Predicate<JobStatus> servesWithoutMoving, Run run) {
        boolean changes(JobStatus from) {
            return move != null ? from.allows(move) : servesWithoutMoving.test(from);
        }

        JobStatus after(JobStatus from) {
            return move != null && changes(from) ? move.to() : from;
        }
    }

    @FunctionalInterface
    private interface Run {
        void on(long id, String queue) throws SQLException;
    }

    private static List<Guarded> statements() {
        Predicate<JobStatus> running = s -> s == JobStatus.RUNNING;
        return List.of(
                new Guarded("claimAvailable", JobStatus.Move.CLAIM, null,
                        (id, q) -> claims.claimAvailable(db.c, "w2", List.of(q), null, 10, 30_000)),
                new Guarded("claimFromQueue", JobStatus.Move.CLAIM, null,
                        (id, q) -> claims.claimFromQueue(db.c, "w2", q, null, 10, 30_000)),
                new Guarded("completeIfLeaseHeld", JobStatus.Move.COMPLETE, null,
                        (id, q) -> leases.completeIfLeaseHeld(db.c, id, TOKEN, "{}")),
                new Guarded("completeEachIfLeaseHeld", JobStatus.Move.COMPLETE, null,
                        (id, q) -> leases.completeEachIfLeaseHeld(db.c, List.of(id), List.of(TOKEN), List.of("{}"))),
                new Guarded("completeEachIfLeaseHeldIds", JobStatus.Move.COMPLETE, null,
                        (id, q) -> leases.completeEachIfLeaseHeldIds(db.c, List.of(id), List.of(TOKEN), List.of("{}"))),
                new Guarded("failIfLeaseHeld, attempts left", JobStatus.Move.RETRY_LATER, null,
                        (id, q) -> leases.failIfLeaseHeld(db.c, id, TOKEN, "boom", "error", true, null)),
                new Guarded("failIfLeaseHeld, not retryable", JobStatus.Move.GIVE_UP, null,
                        (id, q) -> leases.failIfLeaseHeld(db.c, id, TOKEN, "boom", "error", false, null)),
                new Guarded("requeueExpiredLeases, attempts left", JobStatus.Move.RETRY_LATER, null,
                        (id, q) -> expired.requeueExpiredLeases(db.c, 1000, List.of())),
                new Guarded("requeueExpiredLease", JobStatus.Move.RETRY_LATER, null,
                        (id, q) -> expired.requeueExpiredLease(db.c, id)),
                new Guarded("cancelLocked", JobStatus.Move.CANCEL, null, (id, q) -> edits.cancelLocked(db.c, id)),
                new Guarded("retryLocked", JobStatus.Move.RETRY, null, (id, q) -> edits.retryLocked(db.c, id, null, null)),
                new Guarded("extendLeaseIfHeld", null, running,
                        (id, q) -> leases.extendLeaseIfHeld(db.c, id, TOKEN, 60_000L)),
                new Guarded("updateQueuedLocked", null, s -> s == JobStatus.QUEUED,
                        (id, q) -> edits.updateQueuedLocked(db.c, id, 7, null, null, null, null)));
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void everyGuardedStatementChangesARowExactlyWhenTheTableAllows(JobStatus from) throws SQLException {
        for (Guarded g : statements()) {
            String queue = db.unique("state");
            long id = insert(queue, from, 1, 5);
            Map<String, String> before = db.row(id);
            g.run().on(id, queue);
            Map<String, String> after = db.row(id);
            assertThat(!before.equals(after)).as(g.name() + " on a " + from.wire() + " row").isEqualTo(g.changes(from));
            assertThat(after.get("status")).as(g.name() + " on a " + from.wire() + " row").isEqualTo(g.after(from).wire());
        }
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void endingTheLastAttemptMovesOnlyARunningJobAndOnlyToFailed(JobStatus from) throws SQLException {
        List<Guarded> last = List.of(
                new Guarded("failIfLeaseHeld, last attempt", JobStatus.Move.GIVE_UP, null,
                        (id, q) -> leases.failIfLeaseHeld(db.c, id, TOKEN, "boom", "error", true, null)),
                new Guarded("requeueExpiredLease, last attempt", JobStatus.Move.GIVE_UP, null,
                        (id, q) -> expired.requeueExpiredLease(db.c, id)));
        for (Guarded g : last) {
            long id = insert(db.unique("state"), from, 5, 5);
            Map<String, String> before = db.row(id);
            g.run().on(id, null);
            Map<String, String> after = db.row(id);
            assertThat(!before.equals(after)).as(g.name() + " on a " + from.wire() + " row").isEqualTo(g.changes(from));
            assertThat(after.get("status")).as(g.name() + " on a " + from.wire() + " row").isEqualTo(g.after(from).wire());
        }
    }

    /**
     * A row in {@code status}, due, whose attempt started an hour ago with a 60 s timeout: a
     * running one holds lease {@link MigratedDatabase#TOKEN} (unexpired, so only the timeout makes it reapable).
     */
    private static long insert(String queue, JobStatus status, int attempt, int maxAttempts) throws SQLException {
        long id = db.insert(queue, status);
        exec(db.c, "update jobs set attempt = attempt + ?, max_attempts = ?, started_at = now() - interval '1 hour',"
                + " timeout_seconds = 60 where id = ?", attempt - 1, maxAttempts, id);
        return id;
    }
}
