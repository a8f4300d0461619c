package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
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
    public record Row(String name, String cron, String timezone, String catchUp, String jobJson, Instant createdAt,
                      Instant updatedAt, Instant dueAfter, Instant nextTickAt, Instant now) {
    }

    public record Upserted(Row row, boolean created) {
    }

    // A new cron or timezone restarts the ticks from now; a new job template takes over from the
    // ticks not yet come (the caller has cancelled what was enqueued ahead, see cancelTicksAhead).
    // next_tick_at = now(): the ticker looks at the schedule on its next pass and sets the real
    // next tick. xmax = 0 only on a fresh insert.
    private static final String UPSERT = """
            insert into schedules as s (name, cron, timezone, catch_up, job) values (?, ?, ?, ?, ?::jsonb)
            on conflict (name) do update
            set cron = excluded.cron, timezone = excluded.timezone, catch_up = excluded.catch_up, job = excluded.job,
                updated_at = now(), next_tick_at = now(),
                due_after = case when (s.cron, s.timezone) is distinct from (excluded.cron, excluded.timezone) then now()
                                 when s.job is distinct from excluded.job then least(s.due_after, now())
                                 else s.due_after end
            returning s.*, now() as db_now, (s.xmax = 0) as created
            """;

    public Upserted upsert(Connection c, String name, String cron, String timezone, String catchUp, String jobJson)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setString(1, name);
            ps.setString(2, cron);
            ps.setString(3, timezone);
            ps.setString(4, catchUp);
            ps.setString(5, jobJson);
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

    /**
     * Locks the row and says whether a PUT of these values changes what its ticks enqueue (cron,
     * timezone or job); null when there is no such schedule.
     */
    public Boolean lockAndCompare(Connection c, String name, String cron, String timezone, String jobJson)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select (cron, timezone, job) is distinct from (?, ?, ?::jsonb) from schedules where name = ? for update""")) {
            ps.setString(1, cron);
            ps.setString(2, timezone);
            ps.setString(3, jobJson);
            ps.setString(4, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBoolean(1) : null;
            }
        }
    }

    /** Up to {@code limit} schedules with a tick due by {@code at} (null: now()) plus {@code lookahead}, soonest first. */
    public List<String> namesDueBy(Connection c, Instant at, Duration lookahead, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select name from schedules
                where next_tick_at <= coalesce(?::timestamptz, now()) + make_interval(secs => ?::double precision / 1000)
                order by next_tick_at
                limit ?""")) {
            JobRows.setInstant(ps, 1, at);
            ps.setLong(2, lookahead.toMillis());
            ps.setInt(3, limit);
            return JobRows.list(ps, rs -> rs.getString(1));
        }
    }

    /**
     * Locks the schedule if its next tick is still due (as {@link #namesDueBy}) and no other
     * coordinator is ticking it right now; null otherwise.
     */
    public Row lockIfDue(Connection c, String name, Instant at, Duration lookahead) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select *, now() as db_now from schedules
                where name = ?
                  and next_tick_at <= coalesce(?::timestamptz, now()) + make_interval(secs => ?::double precision / 1000)
                for update skip locked""")) {
            ps.setString(1, name);
            JobRows.setInstant(ps, 2, at);
            ps.setLong(3, lookahead.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? row(rs) : null;
            }
        }
    }

    /** Records how far the schedule has ticked: due_after only moves forward. */
    public void advance(Connection c, String name, Instant dueAfter, Instant nextTickAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update schedules set due_after = greatest(due_after, ?), next_tick_at = ? where name = ?""")) {
            JobRows.setInstant(ps, 1, dueAfter);
            JobRows.setInstant(ps, 2, nextTickAt);
            ps.setString(3, name);
            ps.executeUpdate();
        }
    }

    /** Sets a schedule that could not tick aside for {@code delay}; its due ticks stay due. */
    public void postpone(Connection c, String name, Duration delay) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                update schedules set next_tick_at = now() + make_interval(secs => ?::double precision / 1000)
                where name = ?""")) {
            ps.setLong(1, delay.toMillis());
            ps.setString(2, name);
            ps.executeUpdate();
        }
    }

    // The jobs a schedule enqueued ahead of their tick (the ticker enqueues up to its lookahead
    // early) and that are still queued: cancelled with their event, and their ticks forgotten so
    // that a replaced schedule enqueues them again under its new template. A tick whose time has
    // come keeps its job. The caller holds the schedule's row lock, so no tick is being enqueued.
    // statement_timestamp(), not now(): the caller locked the schedule's row first, and a tick
    // that came due while it waited for that lock is due, not ahead.
    private static final String CANCEL_TICKS_AHEAD = """
            with doomed as materialized (
                select j.id from schedule_ticks t join jobs j on j.id = t.job_id
                where t.schedule_name = ? and t.tick_at > statement_timestamp() and j.status = 'queued'
                order by j.id
                for update of j
            ), cancelled as (
                update jobs j
                set status = 'cancelled', finished_at = statement_timestamp(), updated_at = statement_timestamp(),
                    version = j.version + 1
                from doomed
                where j.id = doomed.id and j.status = 'queued'
                returning j.id, j.attempt
            ), event as (
                insert into job_events (job_id, type, from_status, to_status, attempt, detail, actor)
                select id, 'cancelled', 'queued', 'cancelled', attempt, jsonb_build_object('reason', ?::text), ?::text
                from cancelled
            ), forgotten as (
                delete from schedule_ticks t using cancelled where t.job_id = cancelled.id
            )
            select count(*) from cancelled
            """;

    /** Cancels what the schedule enqueued ahead that has not started, each event naming {@code actor}; returns how many jobs. */
    public int cancelTicksAhead(Connection c, String name, String reason, String actor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CANCEL_TICKS_AHEAD)) {
            ps.setString(1, name);
            ps.setString(2, reason);
            ps.setString(3, actor);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
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

    private static Row single(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? row(rs) : null;
            }
        }
    }

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getString("name"), rs.getString("cron"), rs.getString("timezone"), rs.getString("catch_up"),
                rs.getString("job"), JobRows.instant(rs, "created_at"), JobRows.instant(rs, "updated_at"),
                JobRows.instant(rs, "due_after"), JobRows.instant(rs, "next_tick_at"), JobRows.instant(rs, "db_now"));
    }
}
