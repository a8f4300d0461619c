package dev.baton.coordinator.db;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Responses.LogEntry;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A running attempt's progress and log lines. Like {@link JobLeases}, each write is one
 * guarded statement named after its guard; a lost race is an empty result for the service to
 * explain.
 */
@Singleton
public final class ProgressLogRepository {

    // The compare-and-swap of the protocol: guarded by the version the worker last saw and by its
    // lease, so a stale update can never overwrite a newer one.
    //
    // Events: a worker may report progress many times a second, and job_events is the job's
    // history, not a metrics store. A `progress` event is written only when this attempt has no
    // progress event from the last 5 seconds, decided inside the statement (the lookup walks
    // job_events_by_job over at most 5 seconds of this job's events). So the history shows the
    // first progress of every attempt and then at most one sample per job per 5 seconds, while
    // jobs.progress always holds the latest value.
    //
    // Durability: it commits like every other write (synchronous_commit on), so an acknowledged
    // version is on disk and a crash cannot bring back a different version n. The speed comes from
    // ProgressCommits, which puts the updates that arrive together into one statement and one
    // commit: each item carries its own guard, so an item whose version or lease is off is simply
    // not in the answer and never affects another. The rows are locked in id order first, so two
    // batches that share jobs (two coordinators) wait for each other instead of deadlocking.
    static final String SET_PROGRESS_EACH_IF_VERSION = """
            with item as (
                select * from unnest(?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::text[])
                    with ordinality as i(id, expected_version, lease_token, current, total, message, ord)
            ), held as materialized (
                select j.id from jobs j join item i on i.id = j.id
                where j.version = i.expected_version and j.status = 'running' and j.lease_token = i.lease_token
                  and j.lease_expires_at > now()
                order by j.id
                for no key update of j
            ), updated as (
                update jobs j
                set progress = jsonb_build_object(
                        'current', i.current, 'total', i.total, 'message', i.message,
                        'updatedAt', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
                    version = j.version + 1, updated_at = now()
                from held h join item i on i.id = h.id
                where j.id = h.id and j.version = i.expected_version and j.status = 'running'
                  and j.lease_token = i.lease_token and j.lease_expires_at > now()
                returning i.ord, j.id, j.version, j.attempt, j.worker_id, j.progress
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, worker_id, detail)
                select u.id, 'progress', 'running', 'running', u.attempt, u.worker_id, u.progress - 'updatedAt'
                from updated u
                where not exists (
                    select 1 from job_events e
                    where e.job_id = u.id and e.at > now() - interval '5 seconds'
                      and e.type = 'progress' and e.attempt = u.attempt)
            )
            select ord, version from updated
            """;

    /** One progress update: the job, the version the worker saw, its lease and the new values. */
    public record ProgressItem(long id, long expectedVersion, String leaseToken, long current, Long total,
                               String message) {
    }

    /**
     * Applies each item whose version and lease match, in one statement; ids must be distinct.
     * Returns the new version by index into {@code items}; an index missing did not match.
     */
    public Map<Integer, Long> setProgressEachIfVersion(Connection c, List<ProgressItem> items) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_PROGRESS_EACH_IF_VERSION)) {
            bindProgress(c, ps, items);
            Map<Integer, Long> versions = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.put(rs.getInt("ord") - 1, rs.getLong("version"));
                }
            }
            return versions;
        }
    }

    /** The job's new version, or null when the version or the lease did not match. */
    public Long setProgressIfVersion(Connection c, ProgressItem item) throws SQLException {
        return setProgressEachIfVersion(c, List.of(item)).get(0);
    }

    /** Binds {@link #SET_PROGRESS_EACH_IF_VERSION}; the bench's raw loop binds it here too. */
    static void bindProgress(Connection c, PreparedStatement ps, List<ProgressItem> items) throws SQLException {
        int n = items.size();
        Long[] ids = new Long[n];
        Long[] versions = new Long[n];
        String[] tokens = new String[n];
        Long[] currents = new Long[n];
        Long[] totals = new Long[n];
        String[] messages = new String[n];
        for (int k = 0; k < n; k++) {
            ProgressItem item = items.get(k);
            ids[k] = item.id();
            versions[k] = item.expectedVersion();
            tokens[k] = item.leaseToken();
            currents[k] = item.current();
            totals[k] = item.total();
            messages[k] = item.message();
        }
        ps.setArray(1, c.createArrayOf("bigint", ids));
        ps.setArray(2, c.createArrayOf("bigint", versions));
        ps.setArray(3, c.createArrayOf("text", tokens));
        ps.setArray(4, c.createArrayOf("bigint", currents));
        ps.setArray(5, c.createArrayOf("bigint", totals));
        ps.setArray(6, c.createArrayOf("text", messages));
    }

    // An append is one call of baton_append_logs (migrations V10, V11), one statement in autocommit: it
    // locks the job's row FOR NO KEY UPDATE (whatever its state), checks the lease, compares each
    // entry already stored with the stored line (level and message) and, if none differs, inserts
    // the rest with positions after the job's highest. The lock orders appends of one job, so
    // positions follow commit order and a reader following them (a page's cursor, the stream)
    // never passes a line that may still appear. (attempt, seq) cannot serve as that order: two
    // appends may commit in either order, and a worker may resend seq 3 after seq 5 was stored.
    // The other way, reading only lines older than every transaction in flight, would stall every
    // follower behind any long transaction in the database. The function runs its statements with
    // a fresh snapshot each, after the lock, in one round trip instead of three.
    // A null token holds no lease: the function's lease check is coalesced to false (V11).
    static final String APPEND_IF_LEASE_HELD = "select job_found, lease_held, attempt, accepted, conflicts"
            + " from baton_append_logs(?, ?, ?::int[], ?::text[], ?::text[])";

    /**
     * What an append did: {@code found} false when there is no such job; {@code leaseHeld} false
     * when the lease is not held (nothing stored); else {@code accepted} lines stored, or
     * {@code conflicts}, the seqs of {@code attempt} stored before with other content (then
     * nothing was stored).
     */
    public record Appended(boolean found, boolean leaseHeld, int attempt, int accepted, List<Integer> conflicts) {
    }

    /** Appends in one autocommit statement; {@code seqs} must be distinct and ascending. */
    public Appended appendIfLeaseHeld(Connection c, long id, String leaseToken, Integer[] seqs, String[] levels,
                                      String[] messages) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(APPEND_IF_LEASE_HELD)) {
            ps.setLong(1, id);
            ps.setString(2, leaseToken);
            ps.setArray(3, c.createArrayOf("int4", seqs));
            ps.setArray(4, c.createArrayOf("text", levels));
            ps.setArray(5, c.createArrayOf("text", messages));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Integer[] conflicts = (Integer[]) rs.getArray("conflicts").getArray();
                return new Appended(rs.getBoolean("job_found"), rs.getBoolean("lease_held"), rs.getInt("attempt"),
                        rs.getInt("accepted"), List.of(conflicts));
            }
        }
    }

    public record LeaseCheck(Job job, boolean leaseHeld) {
    }

    /**
     * The job as it is now, locked until the transaction ends (so it stays as described), and
     * whether {@code leaseToken} is its current, unexpired lease; null if no job.
     */
    public LeaseCheck lockWithLeaseCheck(Connection c, long id, String leaseToken) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select *, (status = 'running' and lease_token = ? and lease_expires_at > now()) as lease_held
                from jobs where id = ?
                for no key update""")) {
            ps.setString(1, leaseToken);
            ps.setLong(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new LeaseCheck(JobRows.job(rs), rs.getBoolean("lease_held")) : null;
            }
        }
    }

    /** A stored line and its position in the job's log. */
    public record StoredLine(long position, LogEntry entry) {
    }

    /** Lines after {@code position} in position order; job_logs_by_position serves it. */
    public List<StoredLine> linesAfter(Connection c, long jobId, long position, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select position, attempt, seq, level, message, at from job_logs
                where job_id = ? and position > ?
                order by position
                limit ?""")) {
            ps.setLong(1, jobId);
            ps.setLong(2, position);
            ps.setInt(3, limit);
            return JobRows.list(ps, rs -> new StoredLine(rs.getLong("position"), JobRows.logEntry(rs)));
        }
    }

    /**
     * The {@code limit} lines just before {@code position}, in position order: a page back through
     * a long log, or its last lines ({@code position} {@link Long#MAX_VALUE}). job_logs_by_position
     * serves it read backwards, so it costs a page whatever the log holds.
     */
    public List<StoredLine> linesBefore(Connection c, long jobId, long position, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select position, attempt, seq, level, message, at from job_logs
                where job_id = ? and position < ?
                order by position desc
                limit ?""")) {
            ps.setLong(1, jobId);
            ps.setLong(2, position);
            ps.setInt(3, limit);
            List<StoredLine> lines = new ArrayList<>(JobRows.list(ps,
                    rs -> new StoredLine(rs.getLong("position"), JobRows.logEntry(rs))));
            Collections.reverse(lines);
            return lines;
        }
    }

    /** The job's status, or null when there is no such job. */
    public JobStatus status(Connection c, long jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select status from jobs where id = ?")) {
            ps.setLong(1, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? JobStatus.fromWire(rs.getString(1)) : null;
            }
        }
    }
}
