package dev.baton.chaos.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What PostgreSQL holds once the run is healed and drained: every job, event, log line and schedule tick. */
public record DbState(Map<Long, Row> jobs, Map<Long, List<Event>> events, Map<Long, List<LogLine>> logs,
                      List<Tick> ticks) {

    public record Row(long id, String queue, String type, JsonNode payload, String status, int attempt, long version,
                      JsonNode progress, JsonNode result, String uniqueKey, boolean leaseExpiredLongAgo,
                      boolean dueLongAgo, long finishedAtMs) {
    }

    /** {@code atMs}: when it was written, on the database's clock (epoch ms). */
    public record Event(long id, String type, String from, String to, int attempt, long atMs) {
    }

    public record LogLine(int attempt, int seq, String message, long position) {
    }

    public record Tick(String schedule, long tickAtMs, Long jobId) {
    }

    public static DbState read(String jdbcUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            c.setAutoCommit(false);
            c.createStatement().execute("set transaction isolation level repeatable read");
            Map<Long, Row> jobs = new HashMap<>();
            query(c, """
                    select id, queue, type, payload::text, status, attempt, version, progress::text, result::text,
                           unique_key, coalesce(lease_expires_at < now() - interval '5 seconds', false),
                           status = 'queued' and run_at < now() - interval '30 seconds',
                           coalesce((extract(epoch from finished_at) * 1000)::bigint, 0)
                    from jobs""", rs -> jobs.put(rs.getLong(1), new Row(rs.getLong(1), rs.getString(2), rs.getString(3),
                    json(rs.getString(4)), rs.getString(5), rs.getInt(6), rs.getLong(7), json(rs.getString(8)),
                    json(rs.getString(9)), rs.getString(10), rs.getBoolean(11), rs.getBoolean(12), rs.getLong(13))));
            Map<Long, List<Event>> events = new HashMap<>();
            query(c, """
                    select job_id, id, type, from_status, to_status, attempt, (extract(epoch from at) * 1000)::bigint
                    from job_events order by job_id, id""",
                    rs -> events.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new Event(rs.getLong(2),
                            rs.getString(3), rs.getString(4), rs.getString(5), rs.getInt(6), rs.getLong(7))));
            Map<Long, List<LogLine>> logs = new HashMap<>();
            query(c, "select job_id, attempt, seq, message, position from job_logs order by job_id, position",
                    rs -> logs.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new LogLine(rs.getInt(2),
                            rs.getInt(3), rs.getString(4), rs.getLong(5))));
            List<Tick> ticks = new ArrayList<>();
            query(c, "select schedule_name, (extract(epoch from tick_at) * 1000)::bigint, job_id from schedule_ticks",
                    rs -> ticks.add(new Tick(rs.getString(1), rs.getLong(2), (Long) rs.getObject(3))));
            c.commit();
            return new DbState(jobs, events, logs, ticks);
        }
    }

    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    private static void query(Connection c, String sql, RowReader reader) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setFetchSize(5000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    reader.read(rs);
                }
            }
        }
    }

    private static JsonNode json(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
