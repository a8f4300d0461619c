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
import java.util.List;

/**
 * A running attempt's progress and log lines. Like {@link JobRepository}, each write is one
 * guarded statement named after its guard; a lost race is an empty result for the service to
 * explain.
 */
@Singleton
public final class ProgressLogRepository {

    // The compare-and-swap of PROTOCOL.md: one statement, guarded by the version the worker last
    // saw and by its lease, so a stale update can never overwrite a newer one.
    //
    // Events: a worker may report progress many times a second, and job_events is the job's
    // history, not a metrics store. A `progress` event is written only when this attempt has no
    // progress event from the last 5 seconds, decided inside this statement (the lookup walks
    // job_events_by_job over at most 5 seconds of this job's events). So the history shows the
    // first progress of every attempt and then at most one sample per job per 5 seconds, while
    // jobs.progress always holds the latest value.
    //
    // Durability: the statement turns synchronous_commit off for its own transaction (set_config
    // with is_local, in the autocommit transaction of this one statement), which is what
    // ProgressLogService.progress explains; it saves the BEGIN and COMMIT round trips a
    // `SET LOCAL` would need. The CTE is materialized and read by the final select, so it runs
    // whenever a row is updated.
    public static final String SET_PROGRESS_IF_VERSION = """
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

    /** The job's new version, or null when the version or the lease did not match. */
    public Long setProgressIfVersion(Connection c, long id, long expectedVersion, String leaseToken,
                                     long current, Long total, String message) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_PROGRESS_IF_VERSION)) {
            ps.setLong(1, current);
            JobRows.setLong(ps, 2, total);
            ps.setString(3, message);
            ps.setLong(4, id);
            ps.setLong(5, expectedVersion);
            ps.setString(6, leaseToken);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    // All entries of one request in one INSERT. The lease is checked by the same statement, under
    // a share lock on the job's row held until commit: a complete, fail, cancel or lease expiry
    // (which all update that row) waits for appends in flight, and an append that waited for one
    // of them finds the lease gone. So once a job is finished no line of it can still appear,
    // which is what lets a log stream end. The row is only locked: its columns and version stay
    // as they are. The primary key (job_id, attempt, seq) makes resends count as duplicates.
    // Rows go in seq order so that two requests carrying the same seqs take the index entries in
    // the same order and cannot deadlock.
    public static final String APPEND_IF_LEASE_HELD = """
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

    public record Appended(int attempt, int accepted) {
    }

    /** Null when the lease is not held; then nothing was stored. {@code seqs} must be distinct. */
    public Appended appendIfLeaseHeld(Connection c, long id, String leaseToken, Integer[] seqs, String[] levels,
                                      String[] messages) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(APPEND_IF_LEASE_HELD)) {
            ps.setLong(1, id);
            ps.setString(2, leaseToken);
            ps.setArray(3, c.createArrayOf("int4", seqs));
            ps.setArray(4, c.createArrayOf("text", levels));
            ps.setArray(5, c.createArrayOf("text", messages));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Appended(rs.getInt("attempt"), rs.getInt("accepted")) : null;
            }
        }
    }

    public record LeaseCheck(Job job, boolean leaseHeld) {
    }

    /** The job as it is now, and whether {@code leaseToken} is its current, unexpired lease; null if no job. */
    public LeaseCheck findWithLeaseCheck(Connection c, long id, String leaseToken) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select *, (status = 'running' and lease_token = ? and lease_expires_at > now()) as lease_held
                from jobs where id = ?""")) {
            ps.setString(1, leaseToken);
            ps.setLong(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new LeaseCheck(JobRows.job(rs), rs.getBoolean("lease_held")) : null;
            }
        }
    }

    /** Lines after (attempt, seq) in (attempt, seq) order; the primary key serves it. */
    public List<LogEntry> linesAfter(Connection c, long jobId, int attempt, int seq, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select attempt, seq, level, message, at from job_logs
                where job_id = ? and (attempt, seq) > (?, ?)
                order by attempt, seq
                limit ?""")) {
            ps.setLong(1, jobId);
            ps.setInt(2, attempt);
            ps.setInt(3, seq);
            ps.setInt(4, limit);
            return JobRows.list(ps, JobRows::logEntry);
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
