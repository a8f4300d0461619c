package dev.baton.bench;

import dev.baton.common.Job;
import dev.baton.coordinator.db.BenchStatements;
import dev.baton.coordinator.db.NewJob;
import dev.baton.coordinator.db.ProgressLogRepository;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Baton's own hot statements, run over plain JDBC: the database's limit for the same work. The
 * statements are the coordinator's own (BenchStatements, ProgressLogRepository), bound as Baton
 * binds them.
 */
final class Sql {
    private Sql() {
    }

    // Progress and appends: the coordinator's own repository methods, which bind its own texts.
    private static final ProgressLogRepository PROGRESS_LOGS = new ProgressLogRepository();

    /** A claimed job: what later writes must present. */
    record Lease(long id, String token, long version) {
    }

    /** Inserts {@code n} echo jobs with Baton's batch statement, as one POST /jobs/batch without unique keys does. */
    static void enqueue(Connection c, String queue, int n) throws SQLException {
        try (PreparedStatement ps = BenchStatements.insertEach(c, Collections.nCopies(n, echoJob(queue)))) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    drainRow(rs);
                }
            }
        }
    }

    /** Baton's insert of one echo job, bound as POST /jobs stores it; the caller executes and closes it. */
    static PreparedStatement enqueueOne(Connection c, String queue) throws SQLException {
        return BenchStatements.insert(c, echoJob(queue));
    }

    /** What the coordinator makes of {"queue", "type": "baton.echo", "payload": {}}: every default applied. */
    private static NewJob echoJob(String queue) {
        return new NewJob(queue, "baton.echo", "{}", 0, null, 0, 5, null, "{}", 3600, Job.Backoff.DEFAULT);
    }

    static List<Lease> claim(Connection c, String queue, String workerId, int limit, long leaseMs) throws SQLException {
        try (PreparedStatement ps = BenchStatements.claim(c, queue, workerId, limit, leaseMs)) {
            List<Lease> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    drainRow(rs);
                    out.add(new Lease(rs.getLong("id"), rs.getString("lease_token"), rs.getLong("version")));
                }
            }
            return out;
        }
    }

    /** Completes the jobs in one statement, as POST /completions with return=minimal does; returns how many it completed. */
    static int completeEach(Connection c, List<Lease> leases) throws SQLException {
        try (PreparedStatement ps = BenchStatements.completeEachIds(c, leases.stream().map(Lease::id).toList(),
                leases.stream().map(Lease::token).toList(), Collections.nCopies(leases.size(), "{}"))) {
            int n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getLong(1);
                    n++;
                }
            }
            return n;
        }
    }

    /** Completes one job in its own transaction (autocommit), as POST /jobs/{id}/complete does. */
    static boolean complete(Connection c, Lease lease) throws SQLException {
        try (PreparedStatement ps = BenchStatements.complete(c, lease.id(), lease.token(), "{}")) {
            try (ResultSet rs = ps.executeQuery()) {
                boolean done = rs.next();
                if (done) {
                    drainRow(rs);
                }
                return done;
            }
        }
    }

    /**
     * The new version, or -1 when the guard refused. One autocommit statement that commits durably,
     * as each of Baton's group commits does; this loop has no one to share its commit with.
     */
    static long progress(Connection c, Lease lease, long expectedVersion, long current) throws SQLException {
        Long v = PROGRESS_LOGS.setProgressIfVersion(c, new ProgressLogRepository.ProgressItem(lease.id(),
                expectedVersion, lease.token(), current, 1_000_000_000L, "step " + current));
        return v == null ? -1 : v;
    }

    /** Appends lines {@code firstSeq…} in one durable statement, as Baton's append; returns how many were stored. */
    static int append(Connection c, Lease lease, int firstSeq, int count, String message) throws SQLException {
        Integer[] seqs = new Integer[count];
        String[] levels = new String[count];
        String[] messages = new String[count];
        for (int i = 0; i < count; i++) {
            seqs[i] = firstSeq + i;
            levels[i] = "info";
            messages[i] = message;
        }
        ProgressLogRepository.Appended done = PROGRESS_LOGS.appendIfLeaseHeld(c, lease.id(), lease.token(), seqs,
                levels, messages);
        if (!done.leaseHeld()) {
            throw new IllegalStateException("lease of job " + lease.id() + " not held");
        }
        return done.accepted();
    }

    /** Reads every column, as the coordinator does when it turns a row into a job. */
    private static void drainRow(ResultSet rs) throws SQLException {
        int n = rs.getMetaData().getColumnCount();
        for (int i = 1; i <= n; i++) {
            rs.getObject(i);
        }
    }

    static long scalar(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
