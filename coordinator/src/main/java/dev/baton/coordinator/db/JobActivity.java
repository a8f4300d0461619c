package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * What the jobs did minute by minute, on the database clock: jobs started (with how long they had
 * waited since due), and jobs finished by status, failures by error type. It reads only the
 * minutes asked for, through the indexes on start and finish times, so the dashboard can read an
 * hour once and then only the last minutes: its cost follows the jobs of those minutes, not
 * the table.
 *
 * <p>A job's row keeps its latest start only: a job counts at its latest start, and only while it
 * runs or once it has finished (one waiting for a retry does not count); a retried attempt's
 * failure is not a finished job and is not counted here.
 */
@Singleton
public final class JobActivity {

    /** Jobs started in one minute: how many, and their wait from due to start (mean and 95th percentile, seconds). */
    public record Started(Instant minute, long count, double meanWaitSeconds, double p95WaitSeconds) {
    }

    /** Jobs that finished in one minute with one status (and, failed, one error type: "" otherwise). */
    public record Finished(Instant minute, String status, String errorType, long count) {
    }

    private static final String NOW_MINUTE = "select date_trunc('minute', now())";

    // No index leads with started_at (a claim would pay for one), but a job started since the
    // given minute is either running now (the partial index over running jobs) or has finished
    // since (jobs_finished_at): those two are read, never the table. A job whose attempt failed
    // and waits for its retry is in neither, and is not counted.
    private static final String STARTED_SINCE = """
            with started as (
                select started_at, run_at from jobs where status = 'running' and started_at >= ?
                union all
                select started_at, run_at from jobs where finished_at >= ? and started_at >= ?
            ), waits as (
                select date_trunc('minute', started_at) as minute,
                       greatest(extract(epoch from started_at - run_at), 0)::double precision as wait
                from started
            )
            select minute, count(*), avg(wait), percentile_cont(0.95) within group (order by wait)
            from waits group by minute""";

    private static final String FINISHED_SINCE = """
            select date_trunc('minute', finished_at), status,
                   case when status = 'failed' then coalesce(last_error->>'type', '') else '' end,
                   count(*)
            from jobs where finished_at >= ?
            group by 1, 2, 3""";

    /** The database's current minute. */
    public Instant nowMinute(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(NOW_MINUTE); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    /** Starts per minute from {@code since} on. */
    public List<Started> startedSince(Connection c, Instant since) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STARTED_SINCE)) {
            JobRows.setInstant(ps, 1, since);
            JobRows.setInstant(ps, 2, since);
            JobRows.setInstant(ps, 3, since);
            return JobRows.list(ps, rs -> new Started(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getLong(2), rs.getDouble(3),
                    rs.getDouble(4)));
        }
    }

    /** Finished jobs per minute, status and error type from {@code since} on. */
    public List<Finished> finishedSince(Connection c, Instant since) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FINISHED_SINCE)) {
            JobRows.setInstant(ps, 1, since);
            return JobRows.list(ps, rs -> new Finished(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getString(2), rs.getString(3),
                    rs.getLong(4)));
        }
    }
}
