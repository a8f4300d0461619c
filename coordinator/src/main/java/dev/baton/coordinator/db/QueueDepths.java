package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * How many jobs each queue holds waiting and running, and how long its oldest due job has waited:
 * one statement for every queue at once. It reads only the two partial indexes that hold queued
 * and running jobs ({@code jobs_claim_order}: queue and run_at; {@code jobs_running_by_queue}),
 * never the finished jobs, however many millions of those the table keeps: its cost grows with
 * the backlog, not with history. Callers cache its answer for seconds (a scrape, not a request).
 */
@Singleton
public final class QueueDepths {

    /**
     * One queue: jobs queued and due ({@code due}), queued with a later runAt ({@code scheduled}),
     * running; and the age in seconds of its longest-waiting due job (0 when none is due).
     */
    public record Depth(String queue, long due, long scheduled, long running, double oldestDueSeconds) {
    }

    static final String DEPTHS = """
            with waiting as (
                select queue,
                       count(*) filter (where run_at <= now()) as due,
                       count(*) filter (where run_at > now()) as scheduled,
                       coalesce(extract(epoch from now() - min(run_at) filter (where run_at <= now())), 0) as oldest
                from jobs where status = 'queued'
                group by queue
            ), running as (
                select queue, count(*) as running from jobs where status = 'running' group by queue
            )
            select coalesce(w.queue, r.queue), coalesce(w.due, 0), coalesce(w.scheduled, 0), coalesce(r.running, 0),
                   coalesce(w.oldest, 0)::double precision
            from waiting w full join running r on r.queue = w.queue
            """;

    public List<Depth> all(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DEPTHS)) {
            return JobRows.list(ps, rs -> new Depth(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                    rs.getDouble(5)));
        }
    }
}
