package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/**
 * Attempts that ended without their worker: the lease ran out, or the attempt ran past the job's
 * timeout. One guarded statement ends them (back to queued after the job's backoff while attempts
 * are left, else failed) and writes their events; it is guarded by the same conditions it selects
 * on, so any number of coordinators may run it at once, and SKIP LOCKED keeps them off each
 * other's rows and off rows a complete or fail is settling right now. The timeout test subtracts
 * from now() rather than adding to started_at: a row can hold a start no timeout can be added to,
 * and an error while choosing rows cannot be set aside as one bad row.
 */
@Singleton
public final class ExpiredLeases {

    /** An attempt ended: its job's queue and type, whether its lease ran out (else it timed out), whether the job was queued again. */
    public record Ended(String queue, String type, boolean leaseExpired, boolean requeued) {
    }

    private static Ended ended(ResultSet rs) throws SQLException {
        return new Ended(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4));
    }

    // The batch: up to `limit` rows, oldest lease first, leaving out the ids given (rows set aside).
    private static final String REQUEUE_IF_EXPIRED_OR_TIMED_OUT = """
            with expired as materialized (
                select id, lease_expires_at <= now() as lease_expired from jobs
                where status = 'running'
                  and (lease_expires_at <= now() or started_at <= now() - make_interval(secs => timeout_seconds))
                  and id <> all(?::bigint[])
                order by lease_expires_at
                limit ?
                for update skip locked
            ), done as (
                update jobs j
                set status = case when j.attempt < j.max_attempts then 'queued' else 'failed' end,
                    run_at = case when j.attempt < j.max_attempts
                        then now() + baton_retry_delay(j.backoff_initial_ms, j.backoff_factor, j.backoff_max_ms,
                                                       j.backoff_jitter, j.attempt)
                        else j.run_at end,
                    finished_at = case when j.attempt < j.max_attempts then null else now() end,
                    last_error = jsonb_build_object(
                        'message', case when e.lease_expired then 'lease expired without a heartbeat'
                                        else 'attempt ran longer than ' || j.timeout_seconds || 's' end,
                        'type', case when e.lease_expired then 'lease_expired' else 'timeout' end,
                        'retryable', true, 'attempt', j.attempt),
                    updated_at = now(), version = j.version + 1, lease_token = null, lease_expires_at = null
                from expired e
                where j.id = e.id and j.status = 'running'
                returning j.*, e.lease_expired
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id, detail)
                select id,
                       case when lease_expired then 'lease_expired'
                            when status = 'queued' then 'retry_scheduled' else 'failed' end,
                       'running', status, attempt, worker_id, last_error
                from done
            )
            select queue, type, lease_expired, status = 'queued' as requeued from done
            """;

    // The same for one row, handled alone (see BadRows).
    private static final String REQUEUE_ONE_IF_EXPIRED_OR_TIMED_OUT = """
            with expired as materialized (
                select id, lease_expires_at <= now() as lease_expired from jobs
                where status = 'running'
                  and (lease_expires_at <= now() or started_at <= now() - make_interval(secs => timeout_seconds))
                  and id = ?
                for update skip locked
            ), done as (
                update jobs j
                set status = case when j.attempt < j.max_attempts then 'queued' else 'failed' end,
                    run_at = case when j.attempt < j.max_attempts
                        then now() + baton_retry_delay(j.backoff_initial_ms, j.backoff_factor, j.backoff_max_ms,
                                                       j.backoff_jitter, j.attempt)
                        else j.run_at end,
                    finished_at = case when j.attempt < j.max_attempts then null else now() end,
                    last_error = jsonb_build_object(
                        'message', case when e.lease_expired then 'lease expired without a heartbeat'
                                        else 'attempt ran longer than ' || j.timeout_seconds || 's' end,
                        'type', case when e.lease_expired then 'lease_expired' else 'timeout' end,
                        'retryable', true, 'attempt', j.attempt),
                    updated_at = now(), version = j.version + 1, lease_token = null, lease_expires_at = null
                from expired e
                where j.id = e.id and j.status = 'running'
                returning j.*, e.lease_expired
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id, detail)
                select id,
                       case when lease_expired then 'lease_expired'
                            when status = 'queued' then 'retry_scheduled' else 'failed' end,
                       'running', status, attempt, worker_id, last_error
                from done
            )
            select queue, type, lease_expired, status = 'queued' as requeued from done
            """;

    // What REQUEUE_IF_EXPIRED_OR_TIMED_OUT would pick, unlocked.
    private static final String EXPIRED_OR_TIMED_OUT_IDS = """
            select id from jobs
            where status = 'running'
              and (lease_expires_at <= now() or started_at <= now() - make_interval(secs => timeout_seconds))
              and id <> all(?::bigint[])
            order by lease_expires_at
            limit ?""";

    /**
     * Ends up to {@code limit} attempts whose lease expired or that timed out, leaving out the
     * {@code skipped} ids; returns each attempt it ended.
     */
    public List<Ended> requeueExpiredLeases(Connection c, int limit, Collection<Long> skipped) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REQUEUE_IF_EXPIRED_OR_TIMED_OUT)) {
            ps.setArray(1, c.createArrayOf("bigint", skipped.toArray()));
            ps.setInt(2, limit);
            return JobRows.list(ps, ExpiredLeases::ended);
        }
    }

    /** As {@link #requeueExpiredLeases} for one job: the attempt it ended, or null. */
    public Ended requeueExpiredLease(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REQUEUE_ONE_IF_EXPIRED_OR_TIMED_OUT)) {
            ps.setLong(1, id);
            List<Ended> ended = JobRows.list(ps, ExpiredLeases::ended);
            return ended.isEmpty() ? null : ended.get(0);
        }
    }

    /** The ids {@link #requeueExpiredLeases} would pick, unlocked, for handling them one at a time. */
    public List<Long> expiredLeaseIds(Connection c, int limit, Collection<Long> skipped) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(EXPIRED_OR_TIMED_OUT_IDS)) {
            ps.setArray(1, c.createArrayOf("bigint", skipped.toArray()));
            ps.setInt(2, limit);
            return JobRows.list(ps, rs -> rs.getLong(1));
        }
    }
}
