package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.JobStatus;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SQL guards agree with the state table ({@link JobStatus.Move}, {@link JobStatus#canMoveTo}):
 * a row is put in each status with plain SQL, every guarded statement that moves a job
 * ({@link JobClaims}, {@link JobLeases}, {@link ExpiredLeases}, {@link JobEdits}) is
 * run against it, and the row changed exactly when the table lets the statement's move start
 * from that status, landing where the move leads (the statements that move no status change a
 * row exactly in the status they serve). The coordinator is stopped once it has migrated the
 * database, so nothing else touches the rows.
 */
class StateTableTest {
    static TestCluster cluster;
    static Connection c;
    static final JobClaims claims = new JobClaims();
    static final JobLeases leases = new JobLeases();
    static final ExpiredLeases expired = new ExpiredLeases();
    static final JobEdits edits = new JobEdits();
    static final AtomicInteger queues = new AtomicInteger();

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(StateTableTest.class, 1);
        cluster.stop(0);
        c = cluster.sql();
    }

    @AfterAll
    static void stop() throws SQLException {
        c.close();
        cluster.close();
    }

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

    private static final String TOKEN = "lease-of-the-row";

    private static List<Guarded> statements() {
        Predicate<JobStatus> running = s -> s == JobStatus.RUNNING;
        return List.of(
                new Guarded("claimAvailable", JobStatus.Move.CLAIM, null,
                        (id, q) -> claims.claimAvailable(c, "w2", List.of(q), null, 10, 30_000)),
                new Guarded("claimFromQueue", JobStatus.Move.CLAIM, null,
                        (id, q) -> claims.claimFromQueue(c, "w2", q, null, 10, 30_000)),
                new Guarded("completeIfLeaseHeld", JobStatus.Move.COMPLETE, null,
                        (id, q) -> leases.completeIfLeaseHeld(c, id, TOKEN, "{}")),
                new Guarded("completeEachIfLeaseHeld", JobStatus.Move.COMPLETE, null,
                        (id, q) -> leases.completeEachIfLeaseHeld(c, List.of(id), List.of(TOKEN), List.of("{}"))),
                new Guarded("completeEachIfLeaseHeldIds", JobStatus.Move.COMPLETE, null,
                        (id, q) -> leases.completeEachIfLeaseHeldIds(c, List.of(id), List.of(TOKEN), List.of("{}"))),
                new Guarded("failIfLeaseHeld, attempts left", JobStatus.Move.RETRY_LATER, null,
                        (id, q) -> leases.failIfLeaseHeld(c, id, TOKEN, "boom", "error", true, null)),
                new Guarded("failIfLeaseHeld, not retryable", JobStatus.Move.GIVE_UP, null,
                        (id, q) -> leases.failIfLeaseHeld(c, id, TOKEN, "boom", "error", false, null)),
                new Guarded("requeueExpiredLeases, attempts left", JobStatus.Move.RETRY_LATER, null,
                        (id, q) -> expired.requeueExpiredLeases(c, 1000, List.of())),
                new Guarded("requeueExpiredLease", JobStatus.Move.RETRY_LATER, null,
                        (id, q) -> expired.requeueExpiredLease(c, id)),
                new Guarded("cancelLocked", JobStatus.Move.CANCEL, null, (id, q) -> edits.cancelLocked(c, id)),
                new Guarded("retryLocked", JobStatus.Move.RETRY, null, (id, q) -> edits.retryLocked(c, id, null, null)),
                new Guarded("extendLeaseIfHeld", null, running,
                        (id, q) -> leases.extendLeaseIfHeld(c, id, TOKEN, 60_000L)),
                new Guarded("updateQueuedLocked", null, s -> s == JobStatus.QUEUED,
                        (id, q) -> edits.updateQueuedLocked(c, id, 7, null, null, null, null)));
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void everyGuardedStatementChangesARowExactlyWhenTheTableAllows(JobStatus from) throws SQLException {
        for (Guarded g : statements()) {
            String queue = "state-" + queues.incrementAndGet();
            long id = insert(queue, from, 1, 5);
            Map<String, Object> before = row(id);
            g.run().on(id, queue);
            Map<String, Object> after = row(id);
            assertThat(!before.equals(after)).as(g.name() + " on a " + from.wire() + " row").isEqualTo(g.changes(from));
            assertThat(after.get("status")).as(g.name() + " on a " + from.wire() + " row").isEqualTo(g.after(from).wire());
        }
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void endingTheLastAttemptMovesOnlyARunningJobAndOnlyToFailed(JobStatus from) throws SQLException {
        List<Guarded> last = List.of(
                new Guarded("failIfLeaseHeld, last attempt", JobStatus.Move.GIVE_UP, null,
                        (id, q) -> leases.failIfLeaseHeld(c, id, TOKEN, "boom", "error", true, null)),
                new Guarded("requeueExpiredLease, last attempt", JobStatus.Move.GIVE_UP, null,
                        (id, q) -> expired.requeueExpiredLease(c, id)));
        for (Guarded g : last) {
            long id = insert("state-" + queues.incrementAndGet(), from, 5, 5);
            Map<String, Object> before = row(id);
            g.run().on(id, null);
            Map<String, Object> after = row(id);
            assertThat(!before.equals(after)).as(g.name() + " on a " + from.wire() + " row").isEqualTo(g.changes(from));
            assertThat(after.get("status")).as(g.name() + " on a " + from.wire() + " row").isEqualTo(g.after(from).wire());
        }
    }

    /**
     * A row in {@code status}, due, whose attempt started an hour ago with a 60 s timeout: a
     * running one holds lease {@link #TOKEN} (unexpired, so only the timeout makes it reapable).
     */
    private static long insert(String queue, JobStatus status, int attempt, int maxAttempts) throws SQLException {
        boolean running = status == JobStatus.RUNNING;
        try (PreparedStatement ps = c.prepareStatement("""
                insert into jobs (queue, type, payload, status, attempt, max_attempts, run_at, started_at, finished_at,
                                  lease_token, lease_expires_at, lease_ms, worker_id, timeout_seconds,
                                  backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter)
                values (?, 'state.test', '{}', ?, ?, ?, now() - interval '1 minute', now() - interval '1 hour',
                        case when ? then now() - interval '1 minute' end,
                        ?, case when ? then now() + interval '1 minute' end, 30000, 'w1', 60, 1000, 2, 60000, 0)
                returning id""")) {
            ps.setString(1, queue);
            ps.setString(2, status.wire());
            ps.setInt(3, status == JobStatus.QUEUED ? attempt - 1 : attempt);
            ps.setInt(4, maxAttempts);
            ps.setBoolean(5, status.isFinished());
            ps.setString(6, running ? TOKEN : null);
            ps.setBoolean(7, running);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Map<String, Object> row(long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from jobs where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Map<String, Object> row = new TreeMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.put(rs.getMetaData().getColumnName(i).toLowerCase(Locale.ROOT), v == null ? null : v.toString());
                }
                return row;
            }
        }
    }
}
