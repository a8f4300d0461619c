package dev.baton.coordinator.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The bench's one way in: the coordinator's own hot statements (enqueue, claim, complete),
 * prepared on the bench's connection and bound exactly as the coordinator binds them, so its
 * raw-SQL loop measures the database's limit for Baton's work and cannot drift from it. Each
 * method answers a bound statement for the caller to execute, read and close; the statements and
 * binders themselves stay package-private.
 */
public final class BenchStatements {

    private BenchStatements() {
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** POST /jobs: one job, unless an active job of its queue holds its unique key. */
    public static PreparedStatement insert(Connection c, NewJob job) throws SQLException {
        return bound(c, JobInserts.INSERT_UNLESS_ACTIVE_DUPLICATE,
                ps -> JobInserts.bindInsertUnlessActiveDuplicate(ps, job));
    }

    /** POST /jobs/batch without unique keys: every job in one statement. */
    public static PreparedStatement insertEach(Connection c, List<NewJob> jobs) throws SQLException {
        return bound(c, JobInserts.INSERT_EACH_WITHOUT_UNIQUE_KEY, ps -> JobInserts.bindInsertEach(c, ps, jobs));
    }

    /** POST /claims naming one unlimited queue, any type: up to {@code limit} jobs, each row with its lease_token. */
    public static PreparedStatement claim(Connection c, String queue, String workerId, int limit, long leaseMs)
            throws SQLException {
        return bound(c, JobClaims.CLAIM_DUE_IF_QUEUE_UNLIMITED,
                ps -> JobClaims.bindOneQueue(c, ps, queue, null, limit, leaseMs, workerId));
    }

    /** {@link #claim}'s plan, run: EXPLAIN (ANALYZE, BUFFERS) claims, so roll the transaction back. */
    public static PreparedStatement explainClaim(Connection c, String queue, String workerId, int limit, long leaseMs)
            throws SQLException {
        return bound(c, "explain (analyze, buffers) " + JobClaims.CLAIM_DUE_IF_QUEUE_UNLIMITED,
                ps -> JobClaims.bindOneQueue(c, ps, queue, null, limit, leaseMs, workerId));
    }

    /** POST /jobs/{id}/complete: the job's row if its lease was held, else no row. */
    public static PreparedStatement complete(Connection c, long id, String leaseToken, String resultJson)
            throws SQLException {
        return bound(c, JobLeases.COMPLETE_IF_LEASE_HELD,
                ps -> JobLeases.bindCompleteIfLeaseHeld(ps, id, leaseToken, resultJson));
    }

    /**
     * POST /completions with Prefer: return=minimal, as the worker sends it: one row (the id) per
     * job whose lease was held; {@code ids} must be distinct.
     */
    public static PreparedStatement completeEachIds(Connection c, List<Long> ids, List<String> leaseTokens,
                                                    List<String> resultsJson) throws SQLException {
        return bound(c, JobLeases.COMPLETE_EACH_IF_LEASE_HELD_IDS,
                ps -> JobLeases.bindCompleteEach(c, ps, ids, leaseTokens, resultsJson));
    }

    private static PreparedStatement bound(Connection c, String sql, Binder binder) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            binder.bind(ps);
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }
}
