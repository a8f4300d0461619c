package dev.baton.coordinator.db;

import dev.baton.common.Job;
import dev.baton.common.Responses.HeartbeatAnswer;
import dev.baton.common.Responses.LeaseExpiry;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a worker does with a lease it holds: renew it, complete the job, fail the attempt. Each is
 * one statement guarded by the lease (running, this lease token, not yet expired by the database's
 * clock); a lease not held changes nothing and answers null (or leaves the job out of a batch's
 * answer), and the service reads {@link #findSettlement} to tell a resend from a lost lease. A
 * complete or fail writes its event in the same statement and records the lease it settled.
 */
@Singleton
public final class JobLeases {

    /** A renewed lease, with who holds it, for the live-worker registry. */
    public record Renewal(HeartbeatAnswer answer, String workerId, String queue) {
    }

    private static final String EXTEND_LEASE_IF_HELD = """
            update jobs
            set lease_expires_at = now() + make_interval(secs => coalesce(?, lease_ms)::double precision / 1000),
                lease_ms = coalesce(?, lease_ms)
            where id = ? and status = 'running' and lease_token = ? and lease_expires_at > now()
            returning version, lease_expires_at, worker_id, queue""";

    static final String COMPLETE_IF_LEASE_HELD = """
            with done as (
                update jobs
                set status = 'succeeded', result = ?::jsonb, finished_at = now(), updated_at = now(),
                    version = version + 1, settled_lease_token = lease_token, settled_outcome = 'completed',
                    settled_version = version + 1, settled_answer = null,
                    lease_token = null, lease_expires_at = null
                where id = ? and status = 'running' and lease_token = ? and lease_expires_at > now()
                returning *
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id)
                select id, 'completed', 'running', 'succeeded', attempt, worker_id from done
            )
            select * from done
            """;

    // POST /completions: every item whose lease is held, completed by one statement in one
    // transaction (one commit, one fsync for the batch). Each item carries its own guard, so an
    // item whose lease is gone is simply not in the answer and never affects another. The rows are
    // locked in id order first, so two batches that share jobs (a resend racing its original)
    // wait for each other instead of deadlocking. Ids must be distinct: the caller handles repeats.
    // Answers whole rows; COMPLETE_EACH_IF_LEASE_HELD_IDS is the same statement answering only ids.
    private static final String COMPLETE_EACH_IF_LEASE_HELD = """
            with item as (
                select * from unnest(?::bigint[], ?::text[], ?::text[]) as i(id, lease_token, result)
            ), held as materialized (
                select j.id from jobs j join item i on i.id = j.id
                where j.status = 'running' and j.lease_token = i.lease_token and j.lease_expires_at > now()
                order by j.id
                for update of j
            ), done as (
                update jobs j
                set status = 'succeeded', result = i.result::jsonb, finished_at = now(), updated_at = now(),
                    version = j.version + 1, settled_lease_token = j.lease_token, settled_outcome = 'completed',
                    settled_version = j.version + 1, settled_answer = null,
                    lease_token = null, lease_expires_at = null
                from held h join item i on i.id = h.id
                where j.id = h.id and j.status = 'running' and j.lease_token = i.lease_token
                  and j.lease_expires_at > now()
                returning j.*
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id)
                select id, 'completed', 'running', 'succeeded', attempt, worker_id from done
            )
            select * from done
            """;

    // As COMPLETE_EACH_IF_LEASE_HELD, answering only the ids (Prefer: return=minimal).
    static final String COMPLETE_EACH_IF_LEASE_HELD_IDS = """
            with item as (
                select * from unnest(?::bigint[], ?::text[], ?::text[]) as i(id, lease_token, result)
            ), held as materialized (
                select j.id from jobs j join item i on i.id = j.id
                where j.status = 'running' and j.lease_token = i.lease_token and j.lease_expires_at > now()
                order by j.id
                for update of j
            ), done as (
                update jobs j
                set status = 'succeeded', result = i.result::jsonb, finished_at = now(), updated_at = now(),
                    version = j.version + 1, settled_lease_token = j.lease_token, settled_outcome = 'completed',
                    settled_version = j.version + 1, settled_answer = null,
                    lease_token = null, lease_expires_at = null
                from held h join item i on i.id = h.id
                where j.id = h.id and j.status = 'running' and j.lease_token = i.lease_token
                  and j.lease_expires_at > now()
                returning j.*
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id)
                select id, 'completed', 'running', 'succeeded', attempt, worker_id from done
            )
            select id, queue, type, started_at, finished_at, attempt, traceparent, tracestate from done
            """;

    // A retryable failure with attempts left goes back to queued, due at the worker's retryAt or
    // after the job's backoff (never before now); any other failure finishes the job as failed.
    private static final String FAIL_IF_LEASE_HELD = """
            with done as (
                update jobs j
                set status = case when p.retryable and j.attempt < j.max_attempts then 'queued' else 'failed' end,
                    run_at = case when p.retryable and j.attempt < j.max_attempts
                        then greatest(now(), coalesce(p.retry_at, now() + baton_retry_delay(j.backoff_initial_ms,
                             j.backoff_factor, j.backoff_max_ms, j.backoff_jitter, j.attempt)))
                        else j.run_at end,
                    finished_at = case when p.retryable and j.attempt < j.max_attempts then null else now() end,
                    last_error = jsonb_build_object('message', p.message, 'type', p.error_type,
                                                    'retryable', p.retryable, 'attempt', j.attempt),
                    updated_at = now(), version = j.version + 1,
                    settled_lease_token = j.lease_token, settled_outcome = 'failed',
                    settled_version = j.version + 1, settled_answer = null,
                    lease_token = null, lease_expires_at = null
                from (select ?::text as message, ?::text as error_type, ?::boolean as retryable,
                             ?::timestamptz as retry_at) p
                where j.id = ? and j.status = 'running' and j.lease_token = ? and j.lease_expires_at > now()
                returning j.*
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id, detail)
                select id, case when status = 'queued' then 'retry_scheduled' else 'failed' end,
                       'running', status, attempt, worker_id, last_error
                from done
            )
            select * from done
            """;

    private static final String FIND_SETTLEMENT = "select * from jobs where id = ?";

    // The row as its last settlement left it, kept by the trigger of V15 once the job moved on.
    private static final String FIND_SETTLED_ANSWER =
            "select a.* from jobs j, jsonb_populate_record(null::jobs, j.settled_answer) a where j.id = ?";

    /** Renews the lease ({@code leaseMs} null: by its last length); version untouched. Null when the lease is not held. */
    public Renewal extendLeaseIfHeld(Connection c, long id, String leaseToken, Long leaseMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(EXTEND_LEASE_IF_HELD)) {
            JobRows.setLong(ps, 1, leaseMs);
            JobRows.setLong(ps, 2, leaseMs);
            ps.setLong(3, id);
            ps.setString(4, leaseToken);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? new Renewal(new HeartbeatAnswer(new LeaseExpiry(JobRows.instant(rs, "lease_expires_at")),
                                rs.getLong(1)), rs.getString("worker_id"), rs.getString("queue"))
                        : null;
            }
        }
    }

    /** Null when the lease is not held (expired, replaced, cancelled, finished): the caller reads why. */
    public Job completeIfLeaseHeld(Connection c, long id, String leaseToken, String resultJson) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COMPLETE_IF_LEASE_HELD)) {
            bindCompleteIfLeaseHeld(ps, id, leaseToken, resultJson);
            return JobRows.singleJob(ps);
        }
    }

    static void bindCompleteIfLeaseHeld(PreparedStatement ps, long id, String leaseToken, String resultJson)
            throws SQLException {
        ps.setString(1, resultJson);
        ps.setLong(2, id);
        ps.setString(3, leaseToken);
    }

    /**
     * Completes each job whose lease is held, in one statement; {@code ids} must be distinct.
     * Returns the completed jobs by id: an id missing from the answer did not hold its lease.
     */
    public Map<Long, Job> completeEachIfLeaseHeld(Connection c, List<Long> ids, List<String> leaseTokens,
                                                  List<String> resultsJson) throws SQLException {
        Map<Long, Job> done = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(COMPLETE_EACH_IF_LEASE_HELD)) {
            bindCompleteEach(c, ps, ids, leaseTokens, resultsJson);
            for (Job job : JobRows.jobs(ps)) {
                done.put(Long.parseLong(job.id()), job);
            }
        }
        return done;
    }

    /** A job a batch completed, as little of it as its metrics and span need (queue, type, run time, trace context). */
    public record Completed(long id, String queue, String type, Instant startedAt, Instant finishedAt, int attempt,
                            String traceparent, String tracestate) {
    }

    /** As {@link #completeEachIfLeaseHeld}, answering only what it completed: ids, and what metrics need. */
    public List<Completed> completeEachIfLeaseHeldIds(Connection c, List<Long> ids, List<String> leaseTokens,
                                                      List<String> resultsJson) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COMPLETE_EACH_IF_LEASE_HELD_IDS)) {
            bindCompleteEach(c, ps, ids, leaseTokens, resultsJson);
            return JobRows.list(ps, rs -> new Completed(rs.getLong(1), rs.getString(2), rs.getString(3),
                    JobRows.instant(rs, "started_at"), JobRows.instant(rs, "finished_at"), rs.getInt("attempt"),
                    rs.getString("traceparent"), rs.getString("tracestate")));
        }
    }

    /**
     * Binds {@link #COMPLETE_EACH_IF_LEASE_HELD} or {@link #COMPLETE_EACH_IF_LEASE_HELD_IDS} (the
     * same statement but for what it answers); {@code ids} must be distinct.
     */
    static void bindCompleteEach(Connection c, PreparedStatement ps, List<Long> ids, List<String> leaseTokens,
                                 List<String> resultsJson) throws SQLException {
        ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
        ps.setArray(2, c.createArrayOf("text", leaseTokens.toArray()));
        ps.setArray(3, c.createArrayOf("text", resultsJson.toArray()));
    }

    /** Null when the lease is not held: the caller reads why. */
    public Job failIfLeaseHeld(Connection c, long id, String leaseToken, String message, String type,
                               boolean retryable, Instant retryAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FAIL_IF_LEASE_HELD)) {
            ps.setString(1, message);
            ps.setString(2, type);
            ps.setBoolean(3, retryable);
            JobRows.setInstant(ps, 4, retryAt);
            ps.setLong(5, id);
            ps.setString(6, leaseToken);
            return JobRows.singleJob(ps);
        }
    }

    /**
     * The job with the lease whose complete or fail was applied last, and the job as that
     * settlement left it (the row itself while its version is the settled one, else the copy kept
     * when it moved on); null when there is no such job.
     */
    public Settlement findSettlement(Connection c, long id) throws SQLException {
        Job now;
        String token;
        String outcome;
        boolean movedOn;
        try (PreparedStatement ps = c.prepareStatement(FIND_SETTLEMENT)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                now = JobRows.job(rs);
                token = rs.getString("settled_lease_token");
                outcome = rs.getString("settled_outcome");
                long settledVersion = rs.getLong("settled_version");
                // Settled before V15 (no settled_version): the row is all there is, as it was then.
                movedOn = !rs.wasNull() && settledVersion != now.version();
            }
        }
        return new Settlement(now, token, outcome, movedOn ? findSettledAnswer(c, id) : now);
    }

    private Job findSettledAnswer(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_SETTLED_ANSWER)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getObject("id") != null ? JobRows.job(rs) : null;
            }
        }
    }
}
