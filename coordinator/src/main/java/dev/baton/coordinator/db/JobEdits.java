package dev.baton.coordinator.db;

import dev.baton.common.Job;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;

/**
 * An admin's changes to one job: cancel, retry, edit. The caller locks the job's row with
 * {@link #findForUpdate}, checks the expected version and the move, runs the change and writes its
 * event with {@link #insertEvent}, all in one transaction. Each change is still guarded by the
 * statuses it may start from, so on a row in any other status it changes nothing and answers null.
 */
@Singleton
public final class JobEdits {

    private static final String FIND_FOR_UPDATE = "select * from jobs where id = ? for update";

    // A row at another version is neither answered nor locked: versions only grow, so an edit that
    // expected this one is refused without waiting for whoever holds the row (a worker's batch).
    private static final String FIND_FOR_UPDATE_IF_VERSION = "select * from jobs where id = ? and version = ? for update";

    private static final String FIND = "select * from jobs where id = ?";


    // A running job's lease is revoked with it: its worker's next heartbeat, complete or fail is refused.
    private static final String CANCEL_IF_QUEUED_OR_RUNNING = """
            update jobs
            set status = 'cancelled', finished_at = now(), updated_at = now(), version = version + 1,
                lease_token = null, lease_expires_at = null
            where id = ? and status in ('queued', 'running')
            returning *""";

    // Grants at least one more attempt, whatever maxAttempts is asked for.
    private static final String RETRY_IF_FAILED_OR_CANCELLED = """
            update jobs
            set status = 'queued', run_at = coalesce(?::timestamptz, now()),
                max_attempts = greatest(coalesce(?, max_attempts), attempt + 1),
                finished_at = null, updated_at = now(), version = version + 1, progress = null
            where id = ? and status in ('failed', 'cancelled')
            returning *""";

    // Absent (null) fields stay as they are.
    private static final String UPDATE_IF_QUEUED = """
            update jobs
            set priority = coalesce(?, priority), run_at = coalesce(?::timestamptz, run_at),
                payload = coalesce(?::jsonb, payload), max_attempts = coalesce(?, max_attempts),
                labels = coalesce(?::jsonb, labels), updated_at = now(), version = version + 1
            where id = ? and status = 'queued'
            returning *""";

    private static final String INSERT_EVENT = """
            insert into job_events (job_id, type, from_status, to_status, attempt, worker_id, detail, actor)
            values (?, ?, ?, ?, ?, ?, ?::jsonb, ?)""";

    /** Locks the job's row until the transaction ends; admin changes run under it. Null when there is no such job. */
    public Job findForUpdate(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_FOR_UPDATE)) {
            ps.setLong(1, id);
            return JobRows.singleJob(ps);
        }
    }

    /** The job at {@code version}, locked until the transaction ends; null (and nothing locked) at any other version. */
    public Job findForUpdateIfVersion(Connection c, long id, long version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_FOR_UPDATE_IF_VERSION)) {
            ps.setLong(1, id);
            ps.setLong(2, version);
            return JobRows.singleJob(ps);
        }
    }

    /** The job as it is now, without locking it; null if there is none. */
    public Job find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setLong(1, id);
            return JobRows.singleJob(ps);
        }
    }

    /** Cancels a queued or running job whose row the caller has locked, revoking its lease; null in any other status. */
    public Job cancelLocked(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CANCEL_IF_QUEUED_OR_RUNNING)) {
            ps.setLong(1, id);
            return JobRows.singleJob(ps);
        }
    }

    /**
     * Requeues a failed or cancelled job whose row the caller has locked, at {@code runAt} (null:
     * now), granting at least one attempt; null in any other status.
     */
    public Job retryLocked(Connection c, long id, Instant runAt, Integer maxAttempts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RETRY_IF_FAILED_OR_CANCELLED)) {
            JobRows.setInstant(ps, 1, runAt);
            JobRows.setInt(ps, 2, maxAttempts);
            ps.setLong(3, id);
            return JobRows.singleJob(ps);
        }
    }

    /** Edits a queued job whose row the caller has locked; absent fields stay as they are; null in any other status. */
    public Job updateQueuedLocked(Connection c, long id, Integer priority, Instant runAt, String payloadJson,
                                  Integer maxAttempts, String labelsJson) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPDATE_IF_QUEUED)) {
            JobRows.setInt(ps, 1, priority);
            JobRows.setInstant(ps, 2, runAt);
            ps.setString(3, payloadJson);
            JobRows.setInt(ps, 4, maxAttempts);
            ps.setString(5, labelsJson);
            ps.setLong(6, id);
            return JobRows.singleJob(ps);
        }
    }

    /** Writes the event of a change made by this class, in the caller's transaction; {@code actor} made it. */
    public void insertEvent(Connection c, long jobId, String type, String from, String to, int attempt,
                            String workerId, String detailJson, String actor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_EVENT)) {
            ps.setLong(1, jobId);
            ps.setString(2, type);
            ps.setString(3, from);
            ps.setString(4, to);
            ps.setInt(5, attempt);
            ps.setString(6, workerId);
            ps.setString(7, detailJson);
            ps.setString(8, actor);
            ps.executeUpdate();
        }
    }
}
