package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Deleting finished jobs past their retention. Oldest first through jobs_finished_at, at most
 * {@code limit} rows, skipping rows another transaction holds (an admin retry, say), so a batch
 * never waits and holds its locks for milliseconds. A job's events go with it in the same
 * statement (job_events has no foreign key since V18: it cost every claim and completion a row
 * lock on the job); logs and schedule ticks by on delete cascade. The status is checked again on
 * the locked row: a queued or running job is never deleted.
 */
@Singleton
public final class FinishedJobs {

    // Ends both deletes below: the doomed rows still in that status go, with their events; the
    // count of jobs deleted is the answer. Parameter: status.
    private static final String DELETE_DOOMED_WITH_EVENTS = """
            ), gone as (
                delete from jobs j using doomed where j.id = doomed.id and j.status = ?
                returning j.id
            ), events as (
                delete from job_events e using gone where e.job_id = gone.id
            )
            select count(*) from gone
            """;

    // Parameters: status, now (null: now()), age in seconds, ids left out, limit, status.
    private static final String DELETE_IF_FINISHED_BEFORE = """
            with doomed as materialized (
                select id from jobs
                where status = ? and finished_at < coalesce(?::timestamptz, now()) - make_interval(secs => ?)
                  and id <> all(?::bigint[])
                order by finished_at
                limit ?
                for update skip locked
            """ + DELETE_DOOMED_WITH_EVENTS;

    // The same for one row, deleted alone (see BadRows). Parameters: status, now, age, id, status.
    private static final String DELETE_ONE_IF_FINISHED_BEFORE = """
            with doomed as materialized (
                select id from jobs
                where status = ? and finished_at < coalesce(?::timestamptz, now()) - make_interval(secs => ?)
                  and id = ?
                for update skip locked
            """ + DELETE_DOOMED_WITH_EVENTS;

    // What DELETE_IF_FINISHED_BEFORE would pick, unlocked. Parameters: status, now, age, ids left out, limit.
    private static final String FINISHED_BEFORE_IDS = """
            select id from jobs
            where status = ? and finished_at < coalesce(?::timestamptz, now()) - make_interval(secs => ?)
              and id <> all(?::bigint[])
            order by finished_at
            limit ?""";

    // BATON_RETENTION admits ages PostgreSQL cannot subtract from now() (timestamps start in 4713
    // BC), which failed the statement before any row was read. A thousand years keeps as much.
    private static final double LONGEST_RETENTION_SECONDS = 1000 * 365.25 * 24 * 3600;

    /**
     * Deletes up to {@code limit} jobs that reached {@code status} more than {@code age} before
     * {@code now} (null: now()), leaving out the {@code skipped} ids; returns how many.
     */
    public int deleteFinishedBefore(Connection c, String status, Duration age, Instant now, int limit,
                                    Collection<Long> skipped) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_IF_FINISHED_BEFORE)) {
            bindFinishedBefore(ps, status, age, now);
            ps.setArray(4, c.createArrayOf("bigint", skipped.toArray()));
            ps.setInt(5, limit);
            ps.setString(6, status);
            return (int) deleted(ps);
        }
    }

    /** As {@link #deleteFinishedBefore} for one job: whether it deleted it. */
    public boolean deleteOneFinishedBefore(Connection c, long id, String status, Duration age, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_ONE_IF_FINISHED_BEFORE)) {
            bindFinishedBefore(ps, status, age, now);
            ps.setLong(4, id);
            ps.setString(5, status);
            return deleted(ps) == 1;
        }
    }

    /** The ids {@link #deleteFinishedBefore} would pick, unlocked, for deleting them one at a time. */
    public List<Long> finishedBeforeIds(Connection c, String status, Duration age, Instant now, int limit,
                                        Collection<Long> skipped) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FINISHED_BEFORE_IDS)) {
            bindFinishedBefore(ps, status, age, now);
            ps.setArray(4, c.createArrayOf("bigint", skipped.toArray()));
            ps.setInt(5, limit);
            return JobRows.list(ps, rs -> rs.getLong(1));
        }
    }

    private static long deleted(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The first three parameters, which every statement here shares: status, now, age. */
    private static void bindFinishedBefore(PreparedStatement ps, String status, Duration age, Instant now)
            throws SQLException {
        ps.setString(1, status);
        JobRows.setInstant(ps, 2, now);
        ps.setDouble(3, Math.min(age.toMillis() / 1000.0, LONGEST_RETENTION_SECONDS));
    }
}
