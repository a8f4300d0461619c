package dev.baton.coordinator.service;

import dev.baton.common.JobStatus;
import dev.baton.common.Requests;
import dev.baton.common.Responses.Queue;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.error.BatonException;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Queue settings and counts. */
@Singleton
public final class QueueService {
    private final Db db;
    private final Wakeups wakeups;

    public QueueService(Db db, Wakeups wakeups) {
        this.db = db;
        this.wakeups = wakeups;
    }

    /**
     * Queues with counts. Queued and running counts and the oldest queued age are exact and live:
     * they walk the partial indexes over active jobs, so they cost what the backlog costs, not what
     * the table holds. Finished counts (succeeded, failed, cancelled) grow with history, so each
     * coordinator recounts them at most every {@link #FINISHED_COUNTS_TTL_NANOS} (5 s): they may
     * be up to 5 s old.
     */
    public List<Queue> list() {
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        finishedCounts().forEach((queue, byStatus) -> counts.computeIfAbsent(queue, k -> emptyCounts()).putAll(byStatus));
        return db.run(c -> {
            Map<String, Long> oldest = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    select queue, status, count(*),
                           (extract(epoch from now() - min(created_at) filter (where status = 'queued')) * 1000)::bigint
                    from jobs where status in ('queued', 'running') group by queue, status""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.computeIfAbsent(rs.getString(1), k -> emptyCounts()).put(rs.getString(2), rs.getLong(3));
                    long age = rs.getLong(4);
                    if (!rs.wasNull()) {
                        oldest.put(rs.getString(1), age);
                    }
                }
            }
            Map<String, Queue> settings = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("select name, paused, max_running, rate_per_second from queues");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Integer maxRunning = (Integer) rs.getObject(3);
                    Double rate = (Double) rs.getObject(4);
                    settings.put(rs.getString(1), new Queue(rs.getString(1), rs.getBoolean(2), null, null, maxRunning, rate));
                }
            }
            java.util.TreeSet<String> names = new java.util.TreeSet<>(counts.keySet());
            names.addAll(settings.keySet());
            List<Queue> out = new ArrayList<>();
            for (String name : names) {
                Queue s = settings.get(name);
                out.add(new Queue(name, s != null && s.paused(), counts.getOrDefault(name, emptyCounts()),
                        oldest.get(name), s == null ? null : s.maxRunning(), s == null ? null : s.ratePerSecond()));
            }
            return out;
        });
    }

    private record FinishedCounts(long takenAtNanos, Map<String, Map<String, Long>> byQueue) {
    }

    private static final long FINISHED_COUNTS_TTL_NANOS = 5_000_000_000L;
    private final java.util.concurrent.atomic.AtomicReference<FinishedCounts> finished =
            new java.util.concurrent.atomic.AtomicReference<>();

    private Map<String, Map<String, Long>> finishedCounts() {
        FinishedCounts cached = finished.get();
        if (cached != null && System.nanoTime() - cached.takenAtNanos() < FINISHED_COUNTS_TTL_NANOS) {
            return cached.byQueue();
        }
        Map<String, Map<String, Long>> fresh = db.run(c -> {
            Map<String, Map<String, Long>> m = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    select queue, status, count(*) from jobs
                    where status in ('succeeded', 'failed', 'cancelled') group by queue, status""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    m.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getLong(3));
                }
            }
            return m;
        });
        finished.set(new FinishedCounts(System.nanoTime(), fresh));
        return fresh;
    }

    public Queue update(String name, Requests.QueueUpdate r) {
        Checks checks = new Checks();
        checks.name("name", name);
        checks.range("maxRunning", r.maxRunning(), 0, 1_000_000);
        checks.range("ratePerSecond", r.ratePerSecond(), 0.001, 1_000_000.0);
        checks.throwIfAny();
        // A changed rate starts with a full bucket: what was owed at the old rate (up to 1000 s
        // at 0.001/s) would otherwise hold back the new one.
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into queues (name, paused, max_running, rate_per_second)
                    values (?, coalesce(?::boolean, false), ?::integer, ?::double precision)
                    on conflict (name) do update
                    set paused = coalesce(?::boolean, queues.paused),
                        max_running = coalesce(?::integer, queues.max_running),
                        rate_per_second = coalesce(?::double precision, queues.rate_per_second),
                        rate_paced_until = case
                            when coalesce(?::double precision, queues.rate_per_second) = queues.rate_per_second
                            then queues.rate_paced_until end,
                        updated_at = now()""")) {
                ps.setString(1, name);
                ps.setObject(2, r.paused());
                ps.setObject(3, r.maxRunning());
                ps.setObject(4, r.ratePerSecond());
                ps.setObject(5, r.paused());
                ps.setObject(6, r.maxRunning());
                ps.setObject(7, r.ratePerSecond());
                ps.setObject(8, r.ratePerSecond());
                return ps.executeUpdate();
            }
        });
        if (Boolean.FALSE.equals(r.paused())) {
            wakeups.jobsAvailable(name);
        }
        return list().stream().filter(q -> q.name().equals(name)).findFirst()
                .orElseThrow(() -> BatonException.notFound("queue named", name));
    }

    private static Map<String, Long> emptyCounts() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (JobStatus s : JobStatus.values()) {
            m.put(s.wire(), 0L);
        }
        return m;
    }
}
