package dev.baton.coordinator.db;

import dev.baton.common.Job;
import dev.baton.common.Responses.Event;
import dev.baton.common.Responses.HeartbeatAnswer;
import dev.baton.common.Responses.LeaseExpiry;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every statement that changes a job. Each is one guarded statement named after its guard (or
 * runs on a row locked with {@link #findForUpdate}); a lost race shows as an empty result, and the
 * service decides what to answer. Events are written by the same statement as the change.
 */
@Singleton
public final class JobRepository {

    /** A renewed lease, with who holds it, for the live-worker registry. */
    public record Renewal(HeartbeatAnswer answer, String workerId, String queue) {
    }

    public static final String INSERT_UNLESS_ACTIVE_DUPLICATE = """
            with inserted as (
                insert into jobs (queue, type, payload, priority, status, max_attempts, run_at, unique_key, labels,
                                  timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter)
                values (?, ?, ?::jsonb, ?, 'queued', ?,
                        coalesce(?::timestamptz, now() + make_interval(secs => ?::double precision / 1000)),
                        ?, ?::jsonb, ?, ?, ?, ?, ?)
                on conflict (queue, unique_key) where unique_key is not null and status in ('queued', 'running')
                do nothing
                returning *
            ), event as (
                insert into job_events (job_id, type, to_status, attempt)
                select id, 'enqueued', 'queued', 0 from inserted
            )
            select * from inserted
            """;

    public Job insertUnlessActiveDuplicate(Connection c, NewJob n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_UNLESS_ACTIVE_DUPLICATE)) {
            bindInsert(ps, n);
            return JobRows.singleJob(ps);
        }
    }

    // The binders below are public so that the bench's raw-SQL loop binds these statements exactly
    // as the coordinator does.

    /** Binds {@link #INSERT_UNLESS_ACTIVE_DUPLICATE} to one job. */
    public static void bindInsert(PreparedStatement ps, NewJob n) throws SQLException {
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
    }

    // POST /jobs/batch without unique keys: every job in one statement. The rows are inserted in
    // the request's order (ORDER BY ord), so their ids, drawn from the sequence row by row, rise in
    // that order; the answer is sorted by id to give it back. Same defaults and casts as
    // INSERT_UNLESS_ACTIVE_DUPLICATE.
    public static final String INSERT_EACH = """
            with item as (
                select * from unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::int[], ?::text[], ?::bigint[],
                                     ?::text[], ?::int[], ?::bigint[], ?::float8[], ?::bigint[], ?::float8[])
                    with ordinality as i(queue, type, payload, priority, max_attempts, run_at, delay_ms, labels,
                                         timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms,
                                         backoff_jitter, ord)
            ), inserted as (
                insert into jobs (queue, type, payload, priority, status, max_attempts, run_at, unique_key, labels,
                                  timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter)
                select queue, type, payload::jsonb, priority, 'queued', max_attempts,
                       coalesce(run_at::timestamptz, now() + make_interval(secs => delay_ms::double precision / 1000)),
                       null, labels::jsonb, timeout_seconds, backoff_initial_ms, backoff_factor, backoff_max_ms,
                       backoff_jitter
                from item
                order by ord
                returning *
            ), event as (
                insert into job_events (job_id, type, to_status, attempt)
                select id, 'enqueued', 'queued', 0 from inserted
            )
            select * from inserted order by id
            """;

    /** Inserts every job (none may carry a unique key) in one statement; returns them in the given order. */
    public List<Job> insertEach(Connection c, List<NewJob> all) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_EACH)) {
            bindInsertEach(c, ps, all);
            List<Job> inserted = JobRows.list(ps, JobRows::job);
            if (inserted.size() != all.size()) {
                throw new IllegalStateException("inserted " + inserted.size() + " of " + all.size() + " jobs");
            }
            return inserted;
        }
    }

    /** Binds {@link #INSERT_EACH} to the jobs, one array per column. */
    public static void bindInsertEach(Connection c, PreparedStatement ps, List<NewJob> all) throws SQLException {
        int n = all.size();
        Object[][] columns = new Object[13][n];
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
        }
        String[] types = {"text", "text", "text", "int4", "int4", "text", "int8", "text", "int4", "int8", "float8",
                "int8", "float8"};
        for (int k = 0; k < columns.length; k++) {
            ps.setArray(k + 1, c.createArrayOf(types[k], columns[k]));
        }
    }

    public Job findActiveByUniqueKey(Connection c, String queue, String uniqueKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select * from jobs where queue = ? and unique_key = ? and status in ('queued', 'running')""")) {
            ps.setString(1, queue);
            ps.setString(2, uniqueKey);
            return JobRows.singleJob(ps);
        }
    }

    public Job find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from jobs where id = ?")) {
            ps.setLong(1, id);
            return JobRows.singleJob(ps);
        }
    }

    /** Locks the job's row until the transaction ends; admin changes run under it. */
    public Job findForUpdate(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from jobs where id = ? for update")) {
            ps.setLong(1, id);
            return JobRows.singleJob(ps);
        }
    }

    // The picked CTE is MATERIALIZED so that LIMIT and SKIP LOCKED are applied once; inlined, the
    // planner may evaluate it more than once and claim more than n rows. %s is the pick.
    // The claim's time is statement_timestamp(), not now(): inside a claim's transaction now() is
    // when the transaction began, before it waited for a limited queue's row lock, and would
    // stamp the start, the lease and the event that long ago (a lease short by the wait). Started
    // at, lease, updated at and the claimed event all carry this one time.
    private static final String CLAIM_TEMPLATE = """
            with picked as materialized (
                %s
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

    // Queues with a pause, a cap or a rate are left to claimFromQueue, under the queue's row lock.
    private static final String UNLIMITED = " and queue not in (select name from queues"
            + " where paused or max_running is not null or rate_per_second is not null)";

    // The pick for one queue. With `queue = ?` the planner walks jobs_claim_order in claim order and
    // stops after `limit` rows. Parameters: queue, types, types, limit.
    private static final String PICK_ONE_QUEUE = """
            select id from jobs
                where status = 'queued' and queue = ?%s and run_at <= statement_timestamp()
                  and (?::text[] is null or type = any(?::text[]))
                order by priority desc, run_at, id
                limit ?
                for update skip locked""";

    // The pick for several queues. `queue = any(?)` cannot use the index's order, so every claim
    // read and sorted the queues' whole backlog (50,000 queued jobs: a sequential scan and an
    // on-disk sort, 47 ms instead of 0.2 ms per claim). Instead each queue's index is walked on
    // its own (at most `limit` rows each, locked), and the best `limit` of those are taken: the
    // same jobs a global sort would pick. Rows locked but not taken are released at commit, an
    // instant later. Parameters: queues, types, types, limit, limit.
    private static final String PICK_EACH_QUEUE = """
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
                    where true%s
                ) candidates
                order by priority desc, run_at, id
                limit ?""";

    private static final String CLAIM_AVAILABLE = CLAIM_TEMPLATE.formatted(
            PICK_EACH_QUEUE.formatted(UNLIMITED.replace("queue not in", "q.name not in")));

    public static final String CLAIM_AVAILABLE_ONE_QUEUE = CLAIM_TEMPLATE.formatted(PICK_ONE_QUEUE.formatted(UNLIMITED));

    private static final String CLAIM_FROM_ONE_QUEUE = CLAIM_TEMPLATE.formatted(PICK_ONE_QUEUE.formatted(""));

    /** Claims up to {@code limit} due jobs of unlimited, unpaused queues; each carries its new lease token. */
    public List<Job> claimAvailable(Connection c, String workerId, List<String> queues, List<String> types,
                                    int limit, long leaseMs) throws SQLException {
        boolean one = queues.size() == 1;
        try (PreparedStatement ps = c.prepareStatement(one ? CLAIM_AVAILABLE_ONE_QUEUE : CLAIM_AVAILABLE)) {
            if (one) {
                ps.setString(1, queues.get(0));
            } else {
                ps.setArray(1, c.createArrayOf("text", queues.toArray()));
            }
            return claim(c, ps, !one, workerId, types, limit, leaseMs);
        }
    }

    /** Claims from one queue regardless of its limits: the caller holds the queue's row lock and sized {@code limit}. */
    public List<Job> claimFromQueue(Connection c, String workerId, String queue, List<String> types, int limit,
                                    long leaseMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CLAIM_FROM_ONE_QUEUE)) {
            ps.setString(1, queue);
            return claim(c, ps, false, workerId, types, limit, leaseMs);
        }
    }

    private static List<Job> claim(Connection c, PreparedStatement ps, boolean eachQueue, String workerId,
                                   List<String> types, int limit, long leaseMs) throws SQLException {
        bindClaim(c, ps, eachQueue, workerId, types, limit, leaseMs);
        return JobRows.list(ps, rs -> JobRows.job(rs).withLeaseToken(rs.getString("lease_token")));
    }

    /** Binds a claim statement after its first parameter (the queue, or the queues when {@code eachQueue}). */
    public static void bindClaim(Connection c, PreparedStatement ps, boolean eachQueue, String workerId,
                                 List<String> types, int limit, long leaseMs) throws SQLException {
        Array typeArray = types == null ? null : c.createArrayOf("text", types.toArray());
        ps.setArray(2, typeArray);
        ps.setArray(3, typeArray);
        ps.setInt(4, limit);
        int next = 5;
        if (eachQueue) {
            ps.setInt(next++, limit);
        }
        ps.setLong(next++, leaseMs);
        ps.setLong(next++, leaseMs);
        ps.setString(next, workerId);
    }

    public static final String COMPLETE_IF_LEASE_HELD = """
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

    /** Null when the lease is not held (expired, replaced, cancelled, finished): the caller reads why. */
    public Job completeIfLeaseHeld(Connection c, long id, String leaseToken, String resultJson) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COMPLETE_IF_LEASE_HELD)) {
            ps.setString(1, resultJson);
            ps.setLong(2, id);
            ps.setString(3, leaseToken);
            return JobRows.singleJob(ps);
        }
    }

    // POST /completions: every item whose lease is held, completed by one statement in one
    // transaction (one commit, one fsync for the batch). Each item carries its own guard, so an
    // item whose lease is gone is simply not in the answer and never affects another. The rows are
    // locked in id order first, so two batches that share jobs (a resend racing its original)
    // wait for each other instead of deadlocking. Ids must be distinct: the caller handles repeats.
    // %s is what the statement answers: whole rows, or only ids (Prefer: return=minimal).
    private static final String COMPLETE_EACH_TEMPLATE = """
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
                    lease_token = null, lease_expires_at = null
                from held h join item i on i.id = h.id
                where j.id = h.id and j.status = 'running' and j.lease_token = i.lease_token
                  and j.lease_expires_at > now()
                returning j.*
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id)
                select id, 'completed', 'running', 'succeeded', attempt, worker_id from done
            )
            select %s from done
            """;

    public static final String COMPLETE_EACH_IF_LEASE_HELD = COMPLETE_EACH_TEMPLATE.formatted("*");

    public static final String COMPLETE_EACH_IF_LEASE_HELD_IDS = COMPLETE_EACH_TEMPLATE.formatted("id");

    /**
     * Completes each job whose lease is held, in one statement; {@code ids} must be distinct.
     * Returns the completed jobs by id: an id missing from the answer did not hold its lease.
     */
    public Map<Long, Job> completeEachIfLeaseHeld(Connection c, List<Long> ids, List<String> leaseTokens,
                                                  List<String> resultsJson) throws SQLException {
        Map<Long, Job> done = new HashMap<>();
        completeEach(c, COMPLETE_EACH_IF_LEASE_HELD, ids, leaseTokens, resultsJson, rs -> {
            Job job = JobRows.job(rs);
            done.put(Long.parseLong(job.id()), job);
        });
        return done;
    }

    /** As {@link #completeEachIfLeaseHeld}, answering only the ids it completed. */
    public Set<Long> completeEachIfLeaseHeldIds(Connection c, List<Long> ids, List<String> leaseTokens,
                                                List<String> resultsJson) throws SQLException {
        Set<Long> done = new HashSet<>();
        completeEach(c, COMPLETE_EACH_IF_LEASE_HELD_IDS, ids, leaseTokens, resultsJson, rs -> done.add(rs.getLong(1)));
        return done;
    }

    private interface RowSink {
        void accept(ResultSet rs) throws SQLException;
    }

    private static void completeEach(Connection c, String sql, List<Long> ids, List<String> leaseTokens,
                                     List<String> resultsJson, RowSink sink) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindCompleteEach(c, ps, ids, leaseTokens, resultsJson);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sink.accept(rs);
                }
            }
        }
    }

    /** Binds {@link #COMPLETE_EACH_IF_LEASE_HELD} or its ids-only twin; {@code ids} must be distinct. */
    public static void bindCompleteEach(Connection c, PreparedStatement ps, List<Long> ids, List<String> leaseTokens,
                                        List<String> resultsJson) throws SQLException {
        ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
        ps.setArray(2, c.createArrayOf("text", leaseTokens.toArray()));
        ps.setArray(3, c.createArrayOf("text", resultsJson.toArray()));
    }

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

    /** Renews the lease; version untouched. Null when the lease is not held. */
    public Renewal extendLeaseIfHeld(Connection c, long id, String leaseToken, Long leaseMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update jobs
                set lease_expires_at = now() + make_interval(secs => coalesce(?, lease_ms)::double precision / 1000),
                    lease_ms = coalesce(?, lease_ms)
                where id = ? and status = 'running' and lease_token = ? and lease_expires_at > now()
                returning version, lease_expires_at, worker_id, queue""")) {
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

    // One statement for both ways an attempt ends without its worker: the lease ran out, or the
    // attempt ran past the job's timeout. Guarded by the same conditions it selects on, so any
    // number of coordinators may run it at once; SKIP LOCKED keeps them off each other's rows and
    // off rows a complete or fail is settling right now. %s narrows the rows: all but some ids
    // (the batch), or one id (a row handled alone; see requeueExpiredLease). The timeout test
    // subtracts from now() rather than adding to started_at: a row can hold a start no timeout can
    // be added to, and an error while choosing rows cannot be set aside as one bad row.
    private static final String REQUEUE_EXPIRED_TEMPLATE = """
            with expired as materialized (
                select id, lease_expires_at <= now() as lease_expired from jobs
                where status = 'running'
                  and (lease_expires_at <= now() or started_at <= now() - make_interval(secs => timeout_seconds))
                  and %s
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
            select queue from done
            """;

    private static final String REQUEUE_EXPIRED_LEASES = REQUEUE_EXPIRED_TEMPLATE.formatted("id <> all(?::bigint[])");

    private static final String REQUEUE_EXPIRED_LEASE = REQUEUE_EXPIRED_TEMPLATE.formatted("id = ?");

    /**
     * Ends up to {@code limit} attempts whose lease expired or that timed out, leaving out the
     * {@code skipped} ids; returns the queue of each job it ended (one entry per job).
     */
    public List<String> requeueExpiredLeases(Connection c, int limit, Collection<Long> skipped) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REQUEUE_EXPIRED_LEASES)) {
            ps.setArray(1, c.createArrayOf("bigint", skipped.toArray()));
            ps.setInt(2, limit);
            return JobRows.list(ps, rs -> rs.getString(1));
        }
    }

    /** As {@link #requeueExpiredLeases} for one job: its queue if it ended the job's attempt, else null. */
    public String requeueExpiredLease(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REQUEUE_EXPIRED_LEASE)) {
            ps.setLong(1, id);
            ps.setInt(2, 1);
            List<String> queues = JobRows.list(ps, rs -> rs.getString(1));
            return queues.isEmpty() ? null : queues.get(0);
        }
    }

    /** The ids {@link #requeueExpiredLeases} would pick, unlocked, for handling them one at a time. */
    public List<Long> expiredLeaseIds(Connection c, int limit, Collection<Long> skipped) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select id from jobs
                where status = 'running'
                  and (lease_expires_at <= now() or started_at <= now() - make_interval(secs => timeout_seconds))
                  and id <> all(?::bigint[])
                order by lease_expires_at
                limit ?""")) {
            ps.setArray(1, c.createArrayOf("bigint", skipped.toArray()));
            ps.setInt(2, limit);
            return JobRows.list(ps, rs -> rs.getLong(1));
        }
    }

    public void insertEvent(Connection c, long jobId, String type, String from, String to, int attempt,
                            String workerId, String detailJson) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id, detail)
                values (?, ?, ?, ?, ?, ?, ?::jsonb)""")) {
            ps.setLong(1, jobId);
            ps.setString(2, type);
            ps.setString(3, from);
            ps.setString(4, to);
            ps.setInt(5, attempt);
            ps.setString(6, workerId);
            ps.setString(7, detailJson);
            ps.executeUpdate();
        }
    }

    /** Cancels a job whose row the caller has locked; revokes its lease if running. */
    public Job cancelLocked(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update jobs
                set status = 'cancelled', finished_at = now(), updated_at = now(), version = version + 1,
                    lease_token = null, lease_expires_at = null
                where id = ? and status in ('queued', 'running')
                returning *""")) {
            ps.setLong(1, id);
            return JobRows.singleJob(ps);
        }
    }

    /** Requeues a failed or cancelled job whose row the caller has locked, granting at least one attempt. */
    public Job retryLocked(Connection c, long id, Instant runAt, Integer maxAttempts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update jobs
                set status = 'queued', run_at = coalesce(?::timestamptz, now()),
                    max_attempts = greatest(coalesce(?, max_attempts), attempt + 1),
                    finished_at = null, updated_at = now(), version = version + 1, progress = null
                where id = ? and status in ('failed', 'cancelled')
                returning *""")) {
            JobRows.setInstant(ps, 1, runAt);
            JobRows.setInt(ps, 2, maxAttempts);
            ps.setLong(3, id);
            return JobRows.singleJob(ps);
        }
    }

    /** Edits a queued job whose row the caller has locked; absent fields stay as they are. */
    public Job updateQueuedLocked(Connection c, long id, Integer priority, Instant runAt, String payloadJson,
                                  Integer maxAttempts, String labelsJson) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update jobs
                set priority = coalesce(?, priority), run_at = coalesce(?::timestamptz, run_at),
                    payload = coalesce(?::jsonb, payload), max_attempts = coalesce(?, max_attempts),
                    labels = coalesce(?::jsonb, labels), updated_at = now(), version = version + 1
                where id = ? and status = 'queued'
                returning *""")) {
            JobRows.setInt(ps, 1, priority);
            JobRows.setInstant(ps, 2, runAt);
            ps.setString(3, payloadJson);
            JobRows.setInt(ps, 4, maxAttempts);
            ps.setString(5, labelsJson);
            ps.setLong(6, id);
            return JobRows.singleJob(ps);
        }
    }

    /**
     * A page of one job's events after the event {@code afterId}, in id order. Ordered and paged by
     * the same key: a job's event ids rise in commit order (each is drawn under the job's row lock),
     * so a later page never skips an event that committed after an earlier page was read.
     * Ordering by {@code at} did: a claim that waited on a queue lock was stamped before events
     * that committed while it waited.
     */
    public List<Event> events(Connection c, long jobId, long afterId, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select * from job_events where job_id = ? and id > ? order by id limit ?""")) {
            ps.setLong(1, jobId);
            ps.setLong(2, afterId);
            ps.setInt(3, limit);
            return JobRows.list(ps, JobRows::event);
        }
    }

    public Settlement findSettlement(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from jobs where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? new Settlement(JobRows.job(rs), rs.getString("settled_lease_token"), rs.getString("settled_outcome"))
                        : null;
            }
        }
    }

    public boolean exists(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from jobs where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
    // Oldest first through jobs_finished_at, at most `limit` rows, skipping rows another
    // transaction holds (an admin retry, say), so a batch never waits and holds its locks for
    // milliseconds. Events, logs and schedule ticks go with their job (on delete cascade). The
    // status is checked again on the locked row: a queued or running job is never deleted. %s
    // narrows the rows: all but some ids (the batch), or one id (a row deleted alone).
    private static final String DELETE_FINISHED_TEMPLATE = """
            with doomed as materialized (
                select id from jobs
                where status = ? and finished_at < coalesce(?::timestamptz, now()) - make_interval(secs => ?)
                  and %s
                order by finished_at
                limit ?
                for update skip locked
            )
            delete from jobs j using doomed where j.id = doomed.id and j.status = ?
            """;

    private static final String DELETE_FINISHED_BEFORE = DELETE_FINISHED_TEMPLATE.formatted("id <> all(?::bigint[])");

    private static final String DELETE_ONE_FINISHED_BEFORE = DELETE_FINISHED_TEMPLATE.formatted("id = ?");

    /**
     * Deletes up to {@code limit} jobs that reached {@code status} more than {@code age} before
     * {@code now} (null: now()), leaving out the {@code skipped} ids; returns how many.
     */
    public int deleteFinishedBefore(Connection c, String status, Duration age, Instant now, int limit,
                                    Collection<Long> skipped) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_FINISHED_BEFORE)) {
            bindFinishedBefore(ps, status, age, now);
            ps.setArray(4, c.createArrayOf("bigint", skipped.toArray()));
            ps.setInt(5, limit);
            ps.setString(6, status);
            return ps.executeUpdate();
        }
    }

    /** As {@link #deleteFinishedBefore} for one job: whether it deleted it. */
    public boolean deleteOneFinishedBefore(Connection c, long id, String status, Duration age, Instant now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_ONE_FINISHED_BEFORE)) {
            bindFinishedBefore(ps, status, age, now);
            ps.setLong(4, id);
            ps.setInt(5, 1);
            ps.setString(6, status);
            return ps.executeUpdate() == 1;
        }
    }

    /** The ids {@link #deleteFinishedBefore} would pick, unlocked, for deleting them one at a time. */
    public List<Long> finishedBeforeIds(Connection c, String status, Duration age, Instant now, int limit,
                                        Collection<Long> skipped) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select id from jobs
                where status = ? and finished_at < coalesce(?::timestamptz, now()) - make_interval(secs => ?)
                  and id <> all(?::bigint[])
                order by finished_at
                limit ?""")) {
            bindFinishedBefore(ps, status, age, now);
            ps.setArray(4, c.createArrayOf("bigint", skipped.toArray()));
            ps.setInt(5, limit);
            return JobRows.list(ps, rs -> rs.getLong(1));
        }
    }

    // BATON_RETENTION admits ages PostgreSQL cannot subtract from now() (timestamps start in 4713
    // BC), which failed the statement before any row was read. A thousand years keeps as much.
    private static final double LONGEST_RETENTION_SECONDS = 1000 * 365.25 * 24 * 3600;

    private static void bindFinishedBefore(PreparedStatement ps, String status, Duration age, Instant now)
            throws SQLException {
        ps.setString(1, status);
        JobRows.setInstant(ps, 2, now);
        ps.setDouble(3, Math.min(age.toMillis() / 1000.0, LONGEST_RETENTION_SECONDS));
    }
}
