package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.JobActivity;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The last hour of job activity, minute by minute, for the overview's charts. Read once in full,
 * then every few seconds only from two minutes before the last read on (a job that finished in a
 * minute commits within the statement bound, so an older minute no longer changes): a live chart
 * costs the last minutes' jobs, whatever the hour or the table holds. Concurrent viewers share
 * one read.
 */
@Singleton
@Requires(condition = DashboardOn.class)
public final class ActivityHour {
    static final int MINUTES = 60;
    static final Duration FRESH = Duration.ofSeconds(5);
    private static final Duration REREAD = Duration.ofMinutes(2);

    /** One minute's counts. */
    static final class Minute {
        long started;
        double meanWait;
        double p95Wait;
        long succeeded;
        long failed;
        long cancelled;
        final Map<String, Long> failures = new HashMap<>();
    }

    private final Db db;
    private final JobActivity activity;
    private final TreeMap<Instant, Minute> minutes = new TreeMap<>();
    private Instant readMinute;
    private long readAt;

    public ActivityHour(Db db, JobActivity activity) {
        this.db = db;
        this.activity = activity;
    }

    /** The hour up to the database's current minute, read again when older than {@link #FRESH}. */
    public synchronized ActivityView read() {
        if (readMinute == null || System.nanoTime() - readAt >= FRESH.toNanos()) {
            refresh();
        }
        List<Minute> hour = new ArrayList<>(MINUTES);
        Instant first = readMinute.minus(MINUTES - 1, ChronoUnit.MINUTES);
        for (int i = 0; i < MINUTES; i++) {
            hour.add(minutes.getOrDefault(first.plus(i, ChronoUnit.MINUTES), new Minute()));
        }
        return ActivityView.of(hour);
    }

    private void refresh() {
        db.run(c -> {
            Instant now = activity.nowMinute(c);
            Instant first = now.minus(MINUTES - 1, ChronoUnit.MINUTES);
            Instant from = readMinute == null || readMinute.minus(REREAD).isBefore(first) ? first : readMinute.minus(REREAD);
            List<JobActivity.Started> started = activity.startedSince(c, from);
            List<JobActivity.Finished> finished = activity.finishedSince(c, from);
            minutes.headMap(first).clear();
            minutes.tailMap(from, true).clear();
            for (JobActivity.Started s : started) {
                Minute m = minutes.computeIfAbsent(s.minute(), k -> new Minute());
                m.started = s.count();
                m.meanWait = s.meanWaitSeconds();
                m.p95Wait = s.p95WaitSeconds();
            }
            for (JobActivity.Finished f : finished) {
                Minute m = minutes.computeIfAbsent(f.minute(), k -> new Minute());
                switch (f.status()) {
                    case "succeeded" -> m.succeeded += f.count();
                    case "failed" -> {
                        m.failed += f.count();
                        m.failures.merge(f.errorType(), f.count(), Long::sum);
                    }
                    case "cancelled" -> m.cancelled += f.count();
                    default -> {
                    }
                }
            }
            readMinute = now;
            readAt = System.nanoTime();
            return null;
        });
    }
}
