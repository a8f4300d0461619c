package dev.baton.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A drain as the database saw it, on the database clock: jobs with id above {@code afterId},
 * from the first claim (min started_at) to the last completion (max finished_at).
 */
record Window(long succeeded, double seconds, double jobsPerSecond, double meanClaimBatch, double meanCompleteBatch) {

    static Window of(Connection c, long afterId) throws SQLException {
        long n;
        double seconds;
        try (PreparedStatement ps = c.prepareStatement("""
                select count(*), extract(epoch from max(finished_at) - min(started_at))
                from jobs where id > ? and status = 'succeeded'""")) {
            ps.setLong(1, afterId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                n = rs.getLong(1);
                seconds = rs.getDouble(2);
            }
        }
        // Every job a claim statement takes gets a `claimed` event stamped with that transaction's now().
        double batch;
        try (PreparedStatement ps = c.prepareStatement("""
                select count(*)::float8 / nullif(count(distinct (worker_id, at)), 0) from job_events
                where type = 'claimed' and job_id > ?""")) {
            ps.setLong(1, afterId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                batch = rs.getDouble(1);
            }
        }
        // Every job one complete statement settles gets that transaction's now() as finished_at.
        double completeBatch;
        try (PreparedStatement ps = c.prepareStatement("""
                select count(*)::float8 / nullif(count(distinct finished_at), 0) from jobs
                where id > ? and status = 'succeeded'""")) {
            ps.setLong(1, afterId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                completeBatch = rs.getDouble(1);
            }
        }
        return new Window(n, seconds, seconds > 0 ? n / seconds : Double.NaN, batch, completeBatch);
    }

    static long maxId(Connection c) throws SQLException {
        return Sql.scalar(c, "select coalesce(max(id), 0) from jobs");
    }

    static long succeededAfter(Connection c, long afterId) throws SQLException {
        return Sql.scalar(c, "select count(*) from jobs where status = 'succeeded' and id > ?", afterId);
    }
}
