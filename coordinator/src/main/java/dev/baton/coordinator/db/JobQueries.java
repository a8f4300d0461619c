package dev.baton.coordinator.db;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Responses.Event;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads of jobs, which change nothing: one job, its events, the admin list (filters become bound
 * parameters, never SQL text; keyset pagination on id), running jobs per worker.
 */
@Singleton
public final class JobQueries {

    private static final String FIND = "select * from jobs where id = ?";

    private static final String EXISTS = "select 1 from jobs where id = ?";

    // A job's queue is set when it is enqueued and never changes, so reading it apart from the
    // statement that then acts on the job cannot race with anything.
    private static final String QUEUE_OF = "select queue from jobs where id = ?";

    private static final String QUEUES_OF = "select id, queue from jobs where id = any(?)";

    private static final String EVENTS_AFTER = "select * from job_events where job_id = ? and id > ? order by id limit ?";

    private static final String RUNNING_BY_WORKER =
            "select worker_id, count(*) from jobs where status = 'running' group by worker_id";
    private static final String RUNNING_JOBS_OF = "select id, type, queue from jobs "
            + "where status = 'running' and worker_id = ? order by id limit ?";

    /** The job's queue, or null when there is no such job. */
    public String queueOf(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(QUEUE_OF)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The queues of those of {@code ids} that exist, by id. */
    public Map<Long, String> queuesOf(Connection c, Collection<Long> ids) throws SQLException {
        Map<Long, String> queues = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(QUEUES_OF)) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    queues.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        return queues;
    }

    /** Which of a job's JSON documents a search looks in, and its column. */
    public enum Searched {
        PAYLOAD("payload"), RESULT("result"), ERROR("last_error");

        private final String column;

        Searched(String column) {
            this.column = column;
        }

        /** The name a form or query string uses: payload, result, error. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A JSON object that {@code in} must contain (jsonb {@code @>}). */
    public record Search(Searched in, String json) {
    }

    /**
     * {@code search}: what a job's payload, result or error must contain, or null; {@code fromId}:
     * the lowest id to read (a search's bound per page), or null.
     */
    public record Filter(JobStatus status, String queue, String type, String labelsJson, Search search,
                         Instant createdAfter, Instant createdBefore, Long beforeId, int limit, Long fromId) {
        public Filter(JobStatus status, String queue, String type, String labelsJson, Instant createdAfter,
                      Instant createdBefore, Long beforeId, int limit) {
            this(status, queue, type, labelsJson, null, createdAfter, createdBefore, beforeId, limit);
        }

        public Filter(JobStatus status, String queue, String type, String labelsJson, Search search,
                      Instant createdAfter, Instant createdBefore, Long beforeId, int limit) {
            this(status, queue, type, labelsJson, search, createdAfter, createdBefore, beforeId, limit, null);
        }

        /** The same filter reading no id below {@code lowest}. */
        public Filter from(long lowest) {
            return new Filter(status, queue, type, labelsJson, search, createdAfter, createdBefore, beforeId, limit, lowest);
        }
    }

    private static final String NEWEST_ID = "select coalesce(max(id), 0) from jobs";

    /** The highest job id there is (0 for none): the primary key's last entry. */
    public long newestId(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(NEWEST_ID); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Newest first; returns up to {@code limit + 1} rows so the caller knows whether a next page exists. */
    public List<Job> listNewestFirst(Connection c, Filter f) throws SQLException {
        StringBuilder sql = new StringBuilder("select * from jobs where true");
        List<Object> params = new ArrayList<>();
        if (f.status() != null) {
            sql.append(" and status = ?");
            params.add(f.status().wire());
        }
        if (f.queue() != null) {
            sql.append(" and queue = ?");
            params.add(f.queue());
        }
        if (f.type() != null) {
            sql.append(" and type = ?");
            params.add(f.type());
        }
        if (f.labelsJson() != null) {
            // labels <> '{}' changes nothing (a filter names at least one label) but lets the
            // planner use jobs_labels, which holds only jobs that have labels (V17).
            sql.append(" and labels @> ?::jsonb");
            if (!f.labelsJson().equals("{}")) {
                sql.append(" and labels <> '{}'::jsonb");
            }
            params.add(f.labelsJson());
        }
        if (f.search() != null) {
            // The column comes from the enum, never from the request.
            sql.append(" and ").append(f.search().in().column).append(" @> ?::jsonb");
            params.add(f.search().json());
        }
        if (f.createdAfter() != null) {
            sql.append(" and created_at > ?");
            params.add(f.createdAfter());
        }
        if (f.createdBefore() != null) {
            sql.append(" and created_at < ?");
            params.add(f.createdBefore());
        }
        if (f.beforeId() != null) {
            sql.append(" and id < ?");
            params.add(f.beforeId());
        }
        if (f.fromId() != null) {
            sql.append(" and id >= ?");
            params.add(f.fromId());
        }
        sql.append(" order by id desc limit ?");
        params.add(f.limit() + 1);
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof Instant t) {
                    JobRows.setInstant(ps, i + 1, t);
                } else {
                    ps.setObject(i + 1, p);
                }
            }
            return JobRows.jobs(ps);
        }
    }

    /** The job, or null when there is none. */
    public Job find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setLong(1, id);
            return JobRows.singleJob(ps);
        }
    }

    public boolean exists(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(EXISTS)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
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
        try (PreparedStatement ps = c.prepareStatement(EVENTS_AFTER)) {
            ps.setLong(1, jobId);
            ps.setLong(2, afterId);
            ps.setInt(3, limit);
            return JobRows.list(ps, JobRows::event);
        }
    }

    /** A job a worker runs, as the dashboard's workers page lists it. */
    public record RunningJob(long id, String type, String queue) {
    }

    /** The first {@code limit} jobs (oldest first) that {@code workerId} runs now. */
    public List<RunningJob> runningJobsOf(Connection c, String workerId, int limit) throws SQLException {
        List<RunningJob> jobs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(RUNNING_JOBS_OF)) {
            ps.setString(1, workerId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(new RunningJob(rs.getLong(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        return jobs;
    }

    /** How many jobs each worker holds running, by worker id; a worker running none is absent. */
    public Map<String, Long> runningByWorker(Connection c) throws SQLException {
        Map<String, Long> m = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(RUNNING_BY_WORKER); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                m.put(rs.getString(1), rs.getLong(2));
            }
        }
        return m;
    }
}
