package dev.baton.coordinator.db;

import dev.baton.common.Job;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * New jobs. Each insert writes the job's {@code enqueued} event in the same statement; a unique
 * key held by an active job of the queue makes {@link #INSERT_UNLESS_ACTIVE_DUPLICATE} insert
 * nothing (the partial unique index decides the race).
 */
@Singleton
public final class JobInserts {

    static final String INSERT_UNLESS_ACTIVE_DUPLICATE = """
            with inserted as (
                insert into jobs (queue, type, payload, priority, status, max_attempts, run_at, unique_key, labels,
                                  timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter,
                                  traceparent, tracestate)
                values (?, ?, ?::jsonb, ?, 'queued', ?,
                        coalesce(?::timestamptz, now() + make_interval(secs => ?::double precision / 1000)),
                        ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)
                on conflict (queue, unique_key) where unique_key is not null and status in ('queued', 'running')
                do nothing
                returning *
            ), event as (
                insert into job_events (job_id, type, to_status, attempt)
                select id, 'enqueued', 'queued', 0 from inserted
            )
            select * from inserted
            """;

    // POST /jobs/batch without unique keys: every job in one statement. The rows are inserted in
    // the request's order (ORDER BY ord), so their ids, drawn from the sequence row by row, rise in
    // that order; the answer is sorted by id to give it back. Same defaults and casts as
    // INSERT_UNLESS_ACTIVE_DUPLICATE.
    static final String INSERT_EACH_WITHOUT_UNIQUE_KEY = """
            with item as (
                select * from unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::int[], ?::text[], ?::bigint[],
                                     ?::text[], ?::int[], ?::bigint[], ?::float8[], ?::bigint[], ?::float8[],
                                     ?::text[], ?::text[])
                    with ordinality as i(queue, type, payload, priority, max_attempts, run_at, delay_ms, labels,
                                         timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms,
                                         backoff_jitter, traceparent, tracestate, ord)
            ), inserted as (
                insert into jobs (queue, type, payload, priority, status, max_attempts, run_at, unique_key, labels,
                                  timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter,
                                  traceparent, tracestate)
                select queue, type, payload::jsonb, priority, 'queued', max_attempts,
                       coalesce(run_at::timestamptz, now() + make_interval(secs => delay_ms::double precision / 1000)),
                       null, labels::jsonb, timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms,
                       backoff_jitter, traceparent, tracestate
                from item
                order by ord
                returning *
            ), event as (
                insert into job_events (job_id, type, to_status, attempt)
                select id, 'enqueued', 'queued', 0 from inserted
            )
            select * from inserted order by id
            """;

    private static final String FIND_ACTIVE_BY_UNIQUE_KEY = """
            select * from jobs where queue = ? and unique_key = ? and status in ('queued', 'running')""";

    /** The new job, or null when an active job of its queue holds its unique key. */
    public Job insertUnlessActiveDuplicate(Connection c, NewJob n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_UNLESS_ACTIVE_DUPLICATE)) {
            bindInsertUnlessActiveDuplicate(ps, n);
            return JobRows.singleJob(ps);
        }
    }

    static void bindInsertUnlessActiveDuplicate(PreparedStatement ps, NewJob n) throws SQLException {
        ps.setString(1, n.queue());
        ps.setString(2, n.type());
        ps.setString(3, n.payloadJson());
        ps.setInt(4, n.priority());
        ps.setInt(5, n.maxAttempts());
        JobRows.setInstant(ps, 6, n.runAt());
        ps.setLong(7, n.delayMs());
        ps.setString(8, n.uniqueKey());
        ps.setString(9, n.labelsJson());
        ps.setInt(10, n.timeoutSeconds());
        ps.setLong(11, n.backoff().initialMs());
        ps.setDouble(12, n.backoff().factor());
        ps.setLong(13, n.backoff().maxMs());
        ps.setDouble(14, n.backoff().jitter());
        ps.setString(15, n.traceparent());
        ps.setString(16, n.tracestate());
    }

    /** Inserts every job (none may carry a unique key) in one statement; returns them in the given order. */
    public List<Job> insertEach(Connection c, List<NewJob> all) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_EACH_WITHOUT_UNIQUE_KEY)) {
            bindInsertEach(c, ps, all);
            List<Job> inserted = JobRows.list(ps, JobRows::job);
            if (inserted.size() != all.size()) {
                throw new IllegalStateException("inserted " + inserted.size() + " of " + all.size() + " jobs");
            }
            return inserted;
        }
    }

    /** Binds {@link #INSERT_EACH_WITHOUT_UNIQUE_KEY} to the jobs, one array per column. */
    static void bindInsertEach(Connection c, PreparedStatement ps, List<NewJob> all) throws SQLException {
        int n = all.size();
        Object[][] columns = new Object[15][n];
        for (int i = 0; i < n; i++) {
            NewJob j = all.get(i);
            if (j.uniqueKey() != null) {
                throw new IllegalArgumentException("insertEach takes no unique keys");
            }
            columns[0][i] = j.queue();
            columns[1][i] = j.type();
            columns[2][i] = j.payloadJson();
            columns[3][i] = j.priority();
            columns[4][i] = j.maxAttempts();
            columns[5][i] = j.runAt() == null ? null : j.runAt().toString();
            columns[6][i] = j.delayMs();
            columns[7][i] = j.labelsJson();
            columns[8][i] = j.timeoutSeconds();
            columns[9][i] = j.backoff().initialMs();
            columns[10][i] = j.backoff().factor();
            columns[11][i] = j.backoff().maxMs();
            columns[12][i] = j.backoff().jitter();
            columns[13][i] = j.traceparent();
            columns[14][i] = j.tracestate();
        }
        String[] types = {"text", "text", "text", "int4", "int4", "text", "int8", "text", "int4", "int8", "float8",
                "int8", "float8", "text", "text"};
        for (int k = 0; k < columns.length; k++) {
            ps.setArray(k + 1, c.createArrayOf(types[k], columns[k]));
        }
    }

    /** The queued or running job of {@code queue} that holds {@code uniqueKey}, if any. */
    public Job findActiveByUniqueKey(Connection c, String queue, String uniqueKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_ACTIVE_BY_UNIQUE_KEY)) {
            ps.setString(1, queue);
            ps.setString(2, uniqueKey);
            return JobRows.singleJob(ps);
        }
    }
}
