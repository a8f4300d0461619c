package dev.baton.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Baton's own hot statements, run over plain JDBC: the database's limit for the same work. The
 * texts are copies of the coordinator's (JobRepository: insertUnlessActiveDuplicate,
 * claimAvailable for one queue, completeIfLeaseHeld; ProgressLogRepository: setProgressIfVersion,
 * appendIfLeaseHeld); keep them in step when those change.
 */
final class Sql {
    private Sql() {
    }

    static final String ENQUEUE = """
            with inserted as (
                insert into jobs (queue, type, payload, priority, status, max_attempts, run_at, unique_key, labels,
                                  timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter)
                values (?, ?, ?::jsonb, 0, 'queued', 5,
                        coalesce(null::timestamptz, now() + make_interval(secs => 0::double precision / 1000)),
                        null, '{}'::jsonb, 3600, 1000, 2.0, 3600000, 0.1)
                on conflict (queue, unique_key) where unique_key is not null and status in ('queued', 'running')
                do nothing
                returning *
            ), event as (
                insert into job_events (job_id, type, to_status, attempt)
                select id, 'enqueued', 'queued', 0 from inserted
            )
            select * from inserted
            """;

    static final String CLAIM = """
            with picked as materialized (
                select id from jobs
                where status = 'queued' and queue = ? and queue not in (
                    select name from queues where paused or max_running is not null or rate_per_second is not null)
                  and run_at <= now()
                  and (?::text[] is null or type = any(?::text[]))
                order by priority desc, run_at, id
                limit ?
                for update skip locked
            ), claimed as (
                update jobs j
                set status = 'running', attempt = j.attempt + 1, version = j.version + 1,
                    lease_token = gen_random_uuid()::text,
                    lease_expires_at = now() + make_interval(secs => ?::double precision / 1000),
                    lease_ms = ?, worker_id = ?, started_at = now(), updated_at = now(), progress = null
                from picked
                where j.id = picked.id
                returning j.*
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id)
                select id, 'claimed', 'queued', 'running', attempt, worker_id from claimed
            )
            select * from claimed order by priority desc, run_at, id
            """;

    static final String COMPLETE = """
            with done as (
                update jobs
                set status = 'succeeded', result = ?::jsonb, finished_at = now(), updated_at = now(),
                    version = version + 1, settled_lease_token = lease_token, settled_outcome = 'completed',
                    lease_token = null, lease_expires_at = null
                where id = ? and status = 'running' and lease_token = ? and lease_expires_at > now()
                returning *
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id)
                select id, 'completed', 'running', 'succeeded', attempt, worker_id from done
            )
            select * from done
            """;

    static final String PROGRESS = """
            with async_commit as materialized (
                select set_config('synchronous_commit', 'off', true) as setting
            ), updated as (
                update jobs
                set progress = jsonb_build_object(
                        'current', ?::bigint, 'total', ?::bigint, 'message', ?::text,
                        'updatedAt', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
                    version = version + 1, updated_at = now()
                where id = ? and version = ? and status = 'running' and lease_token = ? and lease_expires_at > now()
                returning id, version, attempt, worker_id, progress
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id, detail)
                select u.id, 'progress', 'running', 'running', u.attempt, u.worker_id, u.progress - 'updatedAt'
                from updated u
                where not exists (
                    select 1 from job_events e
                    where e.job_id = u.id and e.at > now() - interval '5 seconds'
                      and e.type = 'progress' and e.attempt = u.attempt)
            )
            select updated.version, async_commit.setting from updated cross join async_commit
            """;

    static final String APPEND = """
            with lease as (
                select id, attempt from jobs
                where id = ? and status = 'running' and lease_token = ? and lease_expires_at > now()
                for share
            ), inserted as (
                insert into job_logs (job_id, attempt, seq, level, message)
                select lease.id, lease.attempt, e.seq, e.level, e.message
                from lease cross join unnest(?::int[], ?::text[], ?::text[]) as e(seq, level, message)
                order by e.seq
                on conflict (job_id, attempt, seq) do nothing
                returning 1
            )
            select attempt, (select count(*) from inserted) as accepted from lease
            """;

    /** A claimed job: what later writes must present. */
    record Lease(long id, String token, long version) {
    }

    /** Inserts {@code n} echo jobs with Baton's enqueue statement, all in one transaction (one batch request). */
    static void enqueue(Connection c, String queue, int n) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(ENQUEUE)) {
            for (int i = 0; i < n; i++) {
                ps.setString(1, queue);
                ps.setString(2, "baton.echo");
                ps.setString(3, "{}");
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
        } finally {
            c.setAutoCommit(auto);
        }
    }

    static List<Lease> claim(Connection c, String queue, String workerId, int limit, long leaseMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setString(1, queue);
            ps.setArray(2, null);
            ps.setArray(3, null);
            ps.setInt(4, limit);
            ps.setLong(5, leaseMs);
            ps.setLong(6, leaseMs);
            ps.setString(7, workerId);
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

    /** Completes one job in its own transaction (autocommit), as POST /jobs/{id}/complete does. */
    static boolean complete(Connection c, Lease lease) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COMPLETE)) {
            ps.setString(1, "{}");
            ps.setLong(2, lease.id());
            ps.setString(3, lease.token());
            try (ResultSet rs = ps.executeQuery()) {
                boolean done = rs.next();
                if (done) {
                    drainRow(rs);
                }
                return done;
            }
        }
    }

    /** The new version, or -1 when the guard refused. One autocommit statement that commits asynchronously, as Baton's. */
    static long progress(Connection c, Lease lease, long expectedVersion, long current) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PROGRESS)) {
            ps.setLong(1, current);
            ps.setLong(2, 1_000_000_000L);
            ps.setString(3, "step " + current);
            ps.setLong(4, lease.id());
            ps.setLong(5, expectedVersion);
            ps.setString(6, lease.token());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** Appends lines {@code firstSeq…} (autocommit, durable, as Baton's append); returns how many were stored. */
    static int append(Connection c, Lease lease, int firstSeq, int count, String message) throws SQLException {
        Integer[] seqs = new Integer[count];
        String[] levels = new String[count];
        String[] messages = new String[count];
        for (int i = 0; i < count; i++) {
            seqs[i] = firstSeq + i;
            levels[i] = "info";
            messages[i] = message;
        }
        try (PreparedStatement ps = c.prepareStatement(APPEND)) {
            ps.setLong(1, lease.id());
            ps.setString(2, lease.token());
            ps.setArray(3, c.createArrayOf("int4", seqs));
            ps.setArray(4, c.createArrayOf("text", levels));
            ps.setArray(5, c.createArrayOf("text", messages));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("lease of job " + lease.id() + " not held");
                }
                return rs.getInt("accepted");
            }
        }
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
