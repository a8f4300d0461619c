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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(QueueService.class);
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
     * coordinator recounts them in the background, at most every {@link #FINISHED_COUNTS_TTL_NANOS}
     * (5 s) and only while someone reads them: they are seconds old, a minute at most.
     */
    public List<Queue> list() {
        return list(true);
    }

    /**
     * As {@link #list()}, but never waiting for the finished counts once there are some: after a
     * quiet spell they may be older than a minute for this one answer (a recount starts). For the
     * dashboard, whose overview must answer at once however many jobs have finished.
     */
    public List<Queue> listWithLastCounts() {
        return list(false);
    }

    private List<Queue> list(boolean waitWhenOld) {
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        finishedCounts(waitWhenOld).forEach((queue, byStatus) -> counts.computeIfAbsent(queue, k -> emptyCounts()).putAll(byStatus));
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

    /** The name of every queue that holds jobs or has settings, without counting anything. */
    public List<String> names() {
        return db.run(queueSettings::names);
    }

    private record FinishedCounts(long takenAtNanos, Map<String, Map<String, Long>> byQueue) {
    }

    private static final long FINISHED_COUNTS_TTL_NANOS = 5_000_000_000L;
    private static final long FINISHED_COUNTS_MAX_AGE_NANOS = 60_000_000_000L;
    private final java.util.concurrent.atomic.AtomicReference<FinishedCounts> finished =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicBoolean recounting = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The finished counts. A read that finds them older than the TTL (5 s) starts one recount in
     * the background and answers with the last ones, so a request on a busy dashboard never pays
     * for a scan that grows with history, and many at once start one scan. Only the first read, or
     * one after a minute without reads, waits for the count.
     */
    private Map<String, Map<String, Long>> finishedCounts(boolean waitWhenOld) {
        FinishedCounts cached = finished.get();
        if (cached == null) {
            return recountFinished();
        }
        long age = System.nanoTime() - cached.takenAtNanos();
        if (waitWhenOld && age >= FINISHED_COUNTS_MAX_AGE_NANOS) {
            return recountFinished(); // after a quiet spell: not an hour-old answer
        }
        if (age >= FINISHED_COUNTS_TTL_NANOS && recounting.compareAndSet(false, true)) {
            Thread.ofVirtual().name("finished-counts").start(() -> {
                try {
                    recountFinished();
                } catch (RuntimeException e) {
                    LOG.warn("finished job counts not recounted (the last ones stand, up to a minute): {}", e.toString());
                } finally {
                    recounting.set(false);
                }
            });
        }
        return cached.byQueue();
    }

    private Map<String, Map<String, Long>> recountFinished() {
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
