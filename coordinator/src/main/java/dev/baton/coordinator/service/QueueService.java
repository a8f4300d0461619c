package dev.baton.coordinator.service;

import dev.baton.common.JobStatus;
import dev.baton.common.Requests;
import dev.baton.common.Responses.Queue;
import dev.baton.coordinator.db.AuditTrail;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.QueueSettings;
import dev.baton.coordinator.error.BatonException;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Queue settings and counts. */
@Singleton
public final class QueueService {
    private final Db db;
    private final QueueSettings queueSettings;
    private final Wakeups wakeups;
    private final AuditTrail audit;

    public QueueService(Db db, QueueSettings queueSettings, Wakeups wakeups, AuditTrail audit) {
        this.audit = audit;
        this.db = db;
        this.queueSettings = queueSettings;
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
            for (QueueSettings.Count n : queueSettings.activeCounts(c)) {
                counts.computeIfAbsent(n.queue(), k -> emptyCounts()).put(n.status(), n.count());
                if (n.oldestQueuedAgeMs() != null) {
                    oldest.put(n.queue(), n.oldestQueuedAgeMs());
                }
            }
            Map<String, Queue> settings = new TreeMap<>();
            for (Queue q : queueSettings.settings(c)) {
                settings.put(q.name(), q);
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
            for (QueueSettings.Count n : queueSettings.finishedCounts(c)) {
                m.computeIfAbsent(n.queue(), k -> new LinkedHashMap<>()).put(n.status(), n.count());
            }
            return m;
        });
        finished.set(new FinishedCounts(System.nanoTime(), fresh));
        return fresh;
    }

    public Queue update(String name, Requests.QueueUpdate r, Actor actor) {
        Checks checks = new Checks();
        checks.name("name", name);
        checks.range("maxRunning", r.maxRunning(), 0, 1_000_000);
        checks.range("ratePerSecond", r.ratePerSecond(), 0.001, 1_000_000.0);
        checks.throwIfAny();
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("paused", r.paused());
        detail.put("maxRunning", r.maxRunning());
        detail.put("ratePerSecond", r.ratePerSecond());
        db.tx(c -> {
            queueSettings.upsert(c, name, r.paused(), r.maxRunning(), r.ratePerSecond());
            audit.record(c, actor.name(), "queue.update", "queue:" + name, actor.details(detail));
            return null;
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
