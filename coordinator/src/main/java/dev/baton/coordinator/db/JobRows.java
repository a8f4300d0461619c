package dev.baton.coordinator.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Json;
import dev.baton.common.LogLevel;
import dev.baton.common.Responses.Event;
import dev.baton.common.Responses.LogEntry;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Rows to wire records, and the few JDBC conversions every repository needs. */
public final class JobRows {
    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {
    };

    private JobRows() {
    }

    public static Job job(ResultSet rs) throws SQLException {
        JobStatus status = JobStatus.fromWire(rs.getString("status"));
        Job.Lease lease = status == JobStatus.RUNNING
                ? new Job.Lease(rs.getString("worker_id"), instant(rs, "lease_expires_at")) : null;
        return new Job(
                Long.toString(rs.getLong("id")), rs.getString("queue"), rs.getString("type"),
                tree(rs.getString("payload")), rs.getInt("priority"), status, rs.getInt("attempt"),
                rs.getInt("max_attempts"), instant(rs, "run_at"), instant(rs, "created_at"),
                instant(rs, "updated_at"), instant(rs, "started_at"), instant(rs, "finished_at"),
                rs.getLong("version"), read(rs.getString("progress"), Job.Progress.class), lease,
                tree(rs.getString("result")), read(rs.getString("last_error"), Job.JobError.class),
                rs.getString("unique_key"), labels(rs.getString("labels")), rs.getInt("timeout_seconds"),
                new Job.Backoff(rs.getLong("backoff_initial_ms"), rs.getDouble("backoff_factor"),
                        rs.getLong("backoff_max_ms"), rs.getDouble("backoff_jitter")),
                rs.getString("traceparent"), rs.getString("tracestate"), null);
    }

    /** Reads one row into a value. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Runs the query and maps every row. */
    public static <T> List<T> list(PreparedStatement ps, RowMapper<T> mapper) throws SQLException {
        List<T> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
        }
        return out;
    }

    public static List<Job> jobs(PreparedStatement ps) throws SQLException {
        return list(ps, JobRows::job);
    }

    public static Job singleJob(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            Job job = job(rs);
            if (rs.next()) {
                throw new IllegalStateException("a statement guarded by one id returned two rows");
            }
            return job;
        }
    }

    public static Event event(ResultSet rs) throws SQLException {
        String from = rs.getString("from_status");
        String to = rs.getString("to_status");
        return new Event(Long.toString(rs.getLong("id")), instant(rs, "at"), rs.getString("type"),
                from == null ? null : JobStatus.fromWire(from), to == null ? null : JobStatus.fromWire(to),
                rs.getInt("attempt"), rs.getString("worker_id"), tree(rs.getString("detail")),
                rs.getString("actor"));
    }

    public static LogEntry logEntry(ResultSet rs) throws SQLException {
        return new LogEntry(rs.getInt("attempt"), rs.getInt("seq"), LogLevel.fromWire(rs.getString("level")),
                rs.getString("message"), instant(rs, "at"));
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    public static void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, value.atOffset(ZoneOffset.UTC));
        }
    }

    public static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    public static void setInt(PreparedStatement ps, int index, Integer value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setInt(index, value);
        }
    }

    public static String json(Object value) {
        return value == null ? null : Json.write(value);
    }

    static JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON does not parse", e);
        }
    }

    private static <T> T read(String json, Class<T> type) {
        if (json == null) {
            return null;
        }
        try {
            return Json.mapper().readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON does not parse", e);
        }
    }

    private static Map<String, String> labels(String json) {
        try {
            return json == null ? Map.of() : Json.mapper().readValue(json, LABELS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored labels do not parse", e);
        }
    }
}
