package dev.baton.coordinator.db;

import dev.baton.common.Job;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Cluster-wide queue limits, guaranteed by the database: a claim from a limited queue first locks
 * the queue's row, so claims of that queue are serialized across every coordinator, then counts
 * what is running and asks the queue's {@link StartRate} how many may start. Redis restarting,
 * losing its keys or a coordinator dying mid-claim cannot break a limit; a slot comes back as soon
 * as a job leaves running (complete, fail, expiry, cancel), because the count is live.
 */
@Singleton
public final class QueueLimits {

    /** Claims up to {@code room} jobs of the queue whose row the caller has locked. */
    @FunctionalInterface
    public interface Claim {
        List<Job> claim(int room) throws SQLException;
    }

    private record Limits(boolean paused, Integer maxRunning, StartRate rate, Instant pacedUntil) {
    }

    /**
     * Claims as many of {@code wanted} jobs as the queue's limits allow, under the queue's row
     * lock, which stays held until the caller's transaction ends. The room is counted with a time
     * read after the lock is granted, never before the wait for it; the claim's own start time,
     * later still, is what the rate state advances from (a room counted earlier is never larger).
     */
    public List<Job> claimWithinLimits(Connection c, String queue, int wanted, Claim claim) throws SQLException {
        Limits limits = lock(c, queue);
        if (limits == null) {
            return claim.claim(wanted);
        }
        if (limits.paused()) {
            return List.of();
        }
        long room = wanted;
        if (limits.maxRunning() != null) {
            room = Math.min(room, limits.maxRunning() - running(c, queue));
        }
        if (limits.rate() != null && room > 0) {
            room = Math.min(room, limits.rate().room(micros(limits.pacedUntil()), micros(databaseNow(c))));
        }
        if (room <= 0) {
            return List.of();
        }
        List<Job> started = claim.claim((int) room);
        if (limits.rate() != null && !started.isEmpty()) {
            Instant startedAt = started.stream().map(Job::startedAt).max(Instant::compareTo).orElseThrow();
            long pacedUntil = limits.rate().pacedUntilAfter(micros(limits.pacedUntil()), micros(startedAt), started.size());
            setPacedUntil(c, queue, Instant.EPOCH.plus(pacedUntil, ChronoUnit.MICROS));
        }
        return started;
    }

    private static Limits lock(Connection c, String queue) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select paused, max_running, rate_per_second, rate_paced_until from queues where name = ? for update""")) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Double rate = (Double) rs.getObject(3);
                return new Limits(rs.getBoolean(1), (Integer) rs.getObject(2), rate == null ? null : StartRate.of(rate),
                        JobRows.instant(rs, "rate_paced_until"));
            }
        }
    }

    private static Instant databaseNow(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select statement_timestamp() as now");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return JobRows.instant(rs, "now");
        }
    }

    private static void setPacedUntil(Connection c, String queue, Instant pacedUntil) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update queues set rate_paced_until = ? where name = ?")) {
            JobRows.setInstant(ps, 1, pacedUntil);
            ps.setString(2, queue);
            ps.executeUpdate();
        }
    }

    private static Long micros(Instant t) {
        return t == null ? null : ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    private record Snapshot(long takenAtNanos, Set<String> names) {
    }

    private static final long SNAPSHOT_TTL_NANOS = 1_000_000_000L;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();

    /**
     * Of {@code queues}, those a claim must take one by one under their row lock, in name order:
     * a claim locks them in that order, so two claims naming the same queues never deadlock. The
     * set of limited queues is read at most once a second: the claim statement for unlimited queues
     * excludes limited ones by itself, so a stale set can only delay a newly limited queue's claims
     * by up to a second, never break its limit.
     */
    public List<String> limited(Db db, List<String> queues) {
        Snapshot s = snapshot.get();
        if (s == null || System.nanoTime() - s.takenAtNanos() > SNAPSHOT_TTL_NANOS) {
            s = db.run(c -> {
                try (PreparedStatement ps = c.prepareStatement("""
                        select name from queues
                        where not paused and (max_running is not null or rate_per_second is not null)""")) {
                    return new Snapshot(System.nanoTime(), Set.copyOf(JobRows.list(ps, rs -> rs.getString(1))));
                }
            });
            snapshot.set(s);
        }
        Set<String> names = s.names();
        return queues.stream().filter(names::contains).sorted().toList();
    }

    private static long running(Connection c, String queue) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select count(*) from jobs where queue = ? and status = 'running'")) {
            ps.setString(1, queue);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
