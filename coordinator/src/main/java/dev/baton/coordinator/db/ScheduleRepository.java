package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The schedules table, Baton's source of truth for schedules, and its ticks. Every read also
 * returns the database's {@code now()}, so the caller decides what is due by the database clock.
 */
@Singleton
public final class ScheduleRepository {

    /** One schedules row, {@code job} as stored JSON, and the database's now() when it was read. */
    public record Row(String name, String cron, String timezone, String jobJson, Instant createdAt, Instant updatedAt,
                      Instant dueAfter, Instant now) {
    }

    public record Upserted(Row row, boolean created) {
    }

    // A new cron or timezone restarts the ticks from now; ticks already enqueued (due_after) are
    // never enqueued again, even when the new cron shares them. xmax = 0 only on a fresh insert.
    private static final String UPSERT = """
            insert into schedules as s (name, cron, timezone, job) values (?, ?, ?, ?::jsonb)
            on conflict (name) do update
            set cron = excluded.cron, timezone = excluded.timezone, job = excluded.job, updated_at = now(),
                due_after = case when (s.cron, s.timezone) is distinct from (excluded.cron, excluded.timezone)
                                 then greatest(now(), s.due_after) else s.due_after end
            returning s.*, now() as db_now, (s.xmax = 0) as created
            """;

    public Upserted upsert(Connection c, String name, String cron, String timezone, String jobJson) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setString(1, name);
            ps.setString(2, cron);
            ps.setString(3, timezone);
            ps.setString(4, jobJson);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Upserted(row(rs), rs.getBoolean("created"));
            }
        }
    }

    public Row find(Connection c, String name) throws SQLException {
        return single(c, "select *, now() as db_now from schedules where name = ?", name);
    }

    /** Locks the row until the transaction ends: one tick pass per schedule at a time, and no DELETE meanwhile. */
    public Row findForTick(Connection c, String name) throws SQLException {
        return single(c, "select *, now() as db_now from schedules where name = ? for update", name);
    }

    public List<Row> list(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select *, now() as db_now from schedules order by name");
             ResultSet rs = ps.executeQuery()) {
            List<Row> out = new ArrayList<>();
            while (rs.next()) {
                out.add(row(rs));
            }
            return out;
        }
    }

    /** Its ticks go with it (on delete cascade); the jobs they enqueued stay. */
    public boolean delete(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("delete from schedules where name = ?")) {
            ps.setString(1, name);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * The exactly-once guard: false when this tick was enqueued before. The caller enqueues the
     * job in the same transaction only when this returns true.
     */
    public boolean insertTickUnlessRecorded(Connection c, String name, Instant tickAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                insert into schedule_ticks (schedule_name, tick_at) values (?, ?)
                on conflict (schedule_name, tick_at) do nothing""")) {
            ps.setString(1, name);
            JobRows.setInstant(ps, 2, tickAt);
            return ps.executeUpdate() == 1;
        }
    }

    public void setTickJob(Connection c, String name, Instant tickAt, long jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update schedule_ticks set job_id = ? where schedule_name = ? and tick_at = ?""")) {
            ps.setLong(1, jobId);
            ps.setString(2, name);
            JobRows.setInstant(ps, 3, tickAt);
            ps.executeUpdate();
        }
    }

    /** Moves due_after forward only, to the last tick enqueued. */
    public void advanceDueAfter(Connection c, String name, Instant tickAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update schedules set due_after = greatest(due_after, ?) where name = ?""")) {
            JobRows.setInstant(ps, 1, tickAt);
            ps.setString(2, name);
            ps.executeUpdate();
        }
    }

    private static Row single(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? row(rs) : null;
            }
        }
    }

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getString("name"), rs.getString("cron"), rs.getString("timezone"), rs.getString("job"),
                JobRows.instant(rs, "created_at"), JobRows.instant(rs, "updated_at"), JobRows.instant(rs, "due_after"),
                JobRows.instant(rs, "db_now"));
    }
}
