package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Cluster-wide queue limits, guaranteed by the database: a claim from a limited queue first locks
 * the queue's row, so claims of that queue are serialized across every coordinator, then counts
 * what is running and what started within the rate window. Redis restarting, losing its keys or a
 * coordinator dying mid-claim cannot break a limit; a slot comes back as soon as a job leaves
 * running (complete, fail, expiry, cancel), because the count is live.
 */
@Singleton
public final class QueueLimits {

    /** How many more jobs the queue may start now; the queue's row stays locked until the transaction ends. */
    public int lockAndCountRoom(Connection c, String queue, int wanted) throws SQLException {
        Integer maxRunning;
        Double rate;
        try (PreparedStatement ps = c.prepareStatement(
                "select paused, max_running, rate_per_second from queues where name = ? for update")) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return wanted;
                }
                if (rs.getBoolean(1)) {
                    return 0;
                }
                maxRunning = (Integer) rs.getObject(2);
                rate = (Double) rs.getObject(3);
            }
        }
        int room = wanted;
        if (maxRunning != null) {
            room = Math.min(room, maxRunning - (int) running(c, queue));
        }
        if (rate != null && room > 0) {
            // A window of at least one second, longer for slow rates (0.2/s: one start per 5 s).
            double windowSeconds = Math.max(1.0, 1.0 / rate);
            int perWindow = (int) Math.floor(rate * windowSeconds);
            room = Math.min(room, perWindow - (int) startedWithin(c, queue, windowSeconds));
        }
        return Math.max(room, 0);
    }

    private record Snapshot(long takenAtNanos, java.util.Set<String> names) {
    }

    private static final long SNAPSHOT_TTL_NANOS = 1_000_000_000L;
    private final java.util.concurrent.atomic.AtomicReference<Snapshot> snapshot =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Of {@code queues}, those a claim must take one by one under their row lock. The set of
     * limited queues is read at most once a second: the claim statement for unlimited queues
     * excludes limited ones by itself, so a stale set can only delay a newly limited queue's
     * claims by up to a second, never break its limit.
     */
    public List<String> limited(Db db, List<String> queues) {
        Snapshot s = snapshot.get();
        if (s == null || System.nanoTime() - s.takenAtNanos() > SNAPSHOT_TTL_NANOS) {
            s = db.run(c -> {
                try (PreparedStatement ps = c.prepareStatement("""
                        select name from queues
                        where not paused and (max_running is not null or rate_per_second is not null)""")) {
                    return new Snapshot(System.nanoTime(), java.util.Set.copyOf(JobRows.list(ps, rs -> rs.getString(1))));
                }
            });
            snapshot.set(s);
        }
        java.util.Set<String> names = s.names();
        return queues.stream().filter(names::contains).toList();
    }

    private static long running(Connection c, String queue) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select count(*) from jobs where queue = ? and status = 'running'")) {
            ps.setString(1, queue);
            return single(ps);
        }
    }

    private static long startedWithin(Connection c, String queue, double seconds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select count(*) from jobs where queue = ? and started_at > now() - make_interval(secs => ?)")) {
            ps.setString(1, queue);
            ps.setDouble(2, seconds);
            return single(ps);
        }
    }

    private static long single(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
