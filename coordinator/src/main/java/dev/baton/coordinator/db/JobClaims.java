package dev.baton.coordinator.db;

import dev.baton.common.Job;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Claims: each statement picks due queued jobs it can lock (SKIP LOCKED: a job another claim
 * holds is passed over, never claimed twice), starts them under a new lease and writes their
 * {@code claimed} events, all in one statement. A claim that finds nothing answers an empty list.
 *
 * <p>Three statements, one per way a worker's queues are read; each is written out whole and bound
 * by its own binder. In each, the {@code picked} CTE is MATERIALIZED so that LIMIT and SKIP LOCKED
 * are applied once (inlined, the planner may evaluate it more than once and claim more than the
 * limit). The claim's time is statement_timestamp(), not now(): inside a claim's transaction now()
 * is when the transaction began, before it waited for a limited queue's row lock, and would stamp
 * the start, the lease and the event that long ago (a lease short by the wait). Started at, lease,
 * updated at and the claimed event all carry this one time.
 */
@Singleton
public final class JobClaims {

    // One queue, unless it is paused, capped or rated (those are claimed by CLAIM_DUE_FROM_LOCKED_QUEUE).
    // With `queue = ?` the planner walks jobs_claim_order in claim order and stops after `limit` rows.
    // Parameters: queue, types, types, limit, lease ms, lease ms, worker id.
    static final String CLAIM_DUE_IF_QUEUE_UNLIMITED = """
            with picked as materialized (
                select id from jobs
                where status = 'queued' and queue = ?
                  and queue not in (select name from queues
                                    where paused or max_running is not null or rate_per_second is not null)
                  and run_at <= statement_timestamp()
                  and (?::text[] is null or type = any(?::text[]))
                order by priority desc, run_at, id
                limit ?
                for update skip locked
            ), claimed as (
                update jobs j
                set status = 'running', attempt = j.attempt + 1, version = j.version + 1,
                    lease_token = gen_random_uuid()::text,
                    lease_expires_at = statement_timestamp() + make_interval(secs => ?::double precision / 1000),
                    lease_ms = ?, worker_id = ?, started_at = statement_timestamp(),
                    updated_at = statement_timestamp(), progress = null
                from picked
                where j.id = picked.id
                returning j.*
            ), event as (
                insert into job_events (job_id, at, type, from_status, to_status, attempt, worker_id)
                select id, started_at, 'claimed', 'queued', 'running', attempt, worker_id from claimed
            )
            select * from claimed order by priority desc, run_at, id
            """;

    // Several queues, leaving out those paused, capped or rated. `queue = any(?)` cannot use the
    // index's order, so every claim read and sorted the queues' whole backlog (50,000 queued jobs: a
    // sequential scan and an on-disk sort, 47 ms instead of 0.2 ms per claim). Instead each queue's
    // index is walked on its own (at most `limit` rows each, locked), and the best `limit` of those
    // are taken: the same jobs a global sort would pick. Rows locked but not taken are released at
    // commit, an instant later.
    // Parameters: queues, types, types, limit, limit, lease ms, lease ms, worker id.
    static final String CLAIM_DUE_IF_QUEUES_UNLIMITED = """
            with picked as materialized (
                select id from (
                    select j.id, j.priority, j.run_at
                    from unnest(?::text[]) as q(name)
                    cross join lateral (
                        select id, priority, run_at from jobs
                        where status = 'queued' and queue = q.name and run_at <= statement_timestamp()
                          and (?::text[] is null or type = any(?::text[]))
                        order by priority desc, run_at, id
                        limit ?
                        for update skip locked) j
                    where q.name not in (select name from queues
                                         where paused or max_running is not null or rate_per_second is not null)
                ) candidates
                order by priority desc, run_at, id
                limit ?
            ), claimed as (
                update jobs j
                set status = 'running', attempt = j.attempt + 1, version = j.version + 1,
                    lease_token = gen_random_uuid()::text,
                    lease_expires_at = statement_timestamp() + make_interval(secs => ?::double precision / 1000),
                    lease_ms = ?, worker_id = ?, started_at = statement_timestamp(),
                    updated_at = statement_timestamp(), progress = null
                from picked
                where j.id = picked.id
                returning j.*
            ), event as (
                insert into job_events (job_id, at, type, from_status, to_status, attempt, worker_id)
                select id, started_at, 'claimed', 'queued', 'running', attempt, worker_id from claimed
            )
            select * from claimed order by priority desc, run_at, id
            """;

    // One queue whatever its limits: the caller holds the queue's row lock and sized `limit` by them
    // (QueueLimits). Parameters: queue, types, types, limit, lease ms, lease ms, worker id.
    private static final String CLAIM_DUE_FROM_LOCKED_QUEUE = """
            with picked as materialized (
                select id from jobs
                where status = 'queued' and queue = ? and run_at <= statement_timestamp()
                  and (?::text[] is null or type = any(?::text[]))
                order by priority desc, run_at, id
                limit ?
                for update skip locked
            ), claimed as (
                update jobs j
                set status = 'running', attempt = j.attempt + 1, version = j.version + 1,
                    lease_token = gen_random_uuid()::text,
                    lease_expires_at = statement_timestamp() + make_interval(secs => ?::double precision / 1000),
                    lease_ms = ?, worker_id = ?, started_at = statement_timestamp(),
                    updated_at = statement_timestamp(), progress = null
                from picked
                where j.id = picked.id
                returning j.*
            ), event as (
                insert into job_events (job_id, at, type, from_status, to_status, attempt, worker_id)
                select id, started_at, 'claimed', 'queued', 'running', attempt, worker_id from claimed
            )
            select * from claimed order by priority desc, run_at, id
            """;

    /** Claims up to {@code limit} due jobs of unlimited, unpaused queues; each carries its new lease token. */
    public List<Job> claimAvailable(Connection c, String workerId, List<String> queues, List<String> types,
                                    int limit, long leaseMs) throws SQLException {
        if (queues.size() == 1) {
            try (PreparedStatement ps = c.prepareStatement(CLAIM_DUE_IF_QUEUE_UNLIMITED)) {
                bindOneQueue(c, ps, queues.get(0), types, limit, leaseMs, workerId);
                return claimed(ps);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(CLAIM_DUE_IF_QUEUES_UNLIMITED)) {
            bindClaimDueIfQueuesUnlimited(c, ps, queues, types, limit, leaseMs, workerId);
            return claimed(ps);
        }
    }

    /** Claims from one queue regardless of its limits: the caller holds the queue's row lock and sized {@code limit}. */
    public List<Job> claimFromQueue(Connection c, String workerId, String queue, List<String> types, int limit,
                                    long leaseMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CLAIM_DUE_FROM_LOCKED_QUEUE)) {
            bindOneQueue(c, ps, queue, types, limit, leaseMs, workerId);
            return claimed(ps);
        }
    }

    private static List<Job> claimed(PreparedStatement ps) throws SQLException {
        return JobRows.list(ps, rs -> JobRows.job(rs).withLeaseToken(rs.getString("lease_token")));
    }

    /** Binds {@link #CLAIM_DUE_IF_QUEUES_UNLIMITED}. */
    private static void bindClaimDueIfQueuesUnlimited(Connection c, PreparedStatement ps, List<String> queues,
                                                      List<String> types, int limit, long leaseMs, String workerId)
            throws SQLException {
        Array typeArray = types == null ? null : c.createArrayOf("text", types.toArray());
        ps.setArray(1, c.createArrayOf("text", queues.toArray()));
        ps.setArray(2, typeArray);
        ps.setArray(3, typeArray);
        ps.setInt(4, limit);
        ps.setInt(5, limit);
        ps.setLong(6, leaseMs);
        ps.setLong(7, leaseMs);
        ps.setString(8, workerId);
    }

    /**
     * Binds {@link #CLAIM_DUE_IF_QUEUE_UNLIMITED} or {@link #CLAIM_DUE_FROM_LOCKED_QUEUE}: they
     * differ only in the queue's guard, which takes no parameter, so their parameters are the same.
     */
    static void bindOneQueue(Connection c, PreparedStatement ps, String queue, List<String> types, int limit,
                             long leaseMs, String workerId) throws SQLException {
        Array typeArray = types == null ? null : c.createArrayOf("text", types.toArray());
        ps.setString(1, queue);
        ps.setArray(2, typeArray);
        ps.setArray(3, typeArray);
        ps.setInt(4, limit);
        ps.setLong(5, leaseMs);
        ps.setLong(6, leaseMs);
        ps.setString(7, workerId);
    }
}
