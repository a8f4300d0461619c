package dev.baton.coordinator.db;

import dev.baton.common.Responses.Queue;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Queues as an admin sees them: their settings (the queues table holds a row only for a queue
 * that was given one) and how many jobs each holds in each status.
 */
@Singleton
public final class QueueSettings {

    /** Jobs of {@code queue} in {@code status}; for queued ones, the age of the oldest in ms (else null). */
    public record Count(String queue, String status, long count, Long oldestQueuedAgeMs) {
    }

    // Walks the partial indexes over active jobs: costs what the backlog costs, not what the table holds.
    private static final String ACTIVE_COUNTS = """
            select queue, status, count(*),
                   (extract(epoch from now() - min(created_at) filter (where status = 'queued')) * 1000)::bigint
            from jobs where status in ('queued', 'running') group by queue, status""";

    // Grows with history: the caller keeps it a few seconds.
    private static final String FINISHED_COUNTS = """
            select queue, status, count(*) from jobs
            where status in ('succeeded', 'failed', 'cancelled') group by queue, status""";

    private static final String SETTINGS = "select name, paused, max_running, rate_per_second from queues";

    // Every queue that has jobs or settings, without counting: a loose scan of jobs_by_queue, one
    // index probe per queue, whatever the queues hold.
    private static final String NAMES = """
            with recursive q as (
                (select queue from jobs order by queue limit 1)
                union all
                select (select j.queue from jobs j where j.queue > q.queue order by j.queue limit 1)
                from q where q.queue is not null
            )
            select queue from q where queue is not null
            union
            select name from queues
            order by 1""";

    /** The name of every queue that holds jobs or has settings, in name order. */
    public List<String> names(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(NAMES)) {
            return JobRows.list(ps, rs -> rs.getString(1));
        }
    }

    // Absent (null) settings stay as they are (a new row: not paused, no cap, no rate). A changed
    // rate starts with a full bucket: what was owed at the old rate (up to 1000 s at 0.001/s) would
    // otherwise hold back the new one.
    private static final String UPSERT = """
            insert into queues (name, paused, max_running, rate_per_second)
            values (?, coalesce(?::boolean, false), ?::integer, ?::double precision)
            on conflict (name) do update
            set paused = coalesce(?::boolean, queues.paused),
                max_running = coalesce(?::integer, queues.max_running),
                rate_per_second = coalesce(?::double precision, queues.rate_per_second),
                rate_paced_until = case
                    when coalesce(?::double precision, queues.rate_per_second) = queues.rate_per_second
                    then queues.rate_paced_until end,
                updated_at = now()""";

    /** Queued and running jobs per queue and status, exact and live. */
    public List<Count> activeCounts(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ACTIVE_COUNTS)) {
            return JobRows.list(ps, rs -> {
                long age = rs.getLong(4);
                Long oldest = rs.wasNull() ? null : age; // read before the next column, which resets wasNull
                return new Count(rs.getString(1), rs.getString(2), rs.getLong(3), oldest);
            });
        }
    }

    /** Succeeded, failed and cancelled jobs per queue and status. */
    public List<Count> finishedCounts(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FINISHED_COUNTS)) {
            return JobRows.list(ps, rs -> new Count(rs.getString(1), rs.getString(2), rs.getLong(3), null));
        }
    }

    /** Every queue that has settings, without counts. */
    public List<Queue> settings(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SETTINGS)) {
            return JobRows.list(ps, rs -> new Queue(rs.getString(1), rs.getBoolean(2), null, null,
                    (Integer) rs.getObject(3), (Double) rs.getObject(4)));
        }
    }

    /** Sets the queue's settings that are given (non-null), creating its row if needed; returns 1. */
    public int upsert(Connection c, String name, Boolean paused, Integer maxRunning, Double ratePerSecond)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setString(1, name);
            ps.setObject(2, paused);
            ps.setObject(3, maxRunning);
            ps.setObject(4, ratePerSecond);
            ps.setObject(5, paused);
            ps.setObject(6, maxRunning);
            ps.setObject(7, ratePerSecond);
            ps.setObject(8, ratePerSecond);
            return ps.executeUpdate();
        }
    }
}
