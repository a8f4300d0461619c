package dev.baton.coordinator.db;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The admin list: filters become bound parameters, never SQL text; keyset pagination on id. */
@Singleton
public final class JobQueries {

    public record Filter(JobStatus status, String queue, String type, String labelsJson, Instant createdAfter,
                         Instant createdBefore, Long beforeId, int limit) {
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
            sql.append(" and labels @> ?::jsonb");
            params.add(f.labelsJson());
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
}
