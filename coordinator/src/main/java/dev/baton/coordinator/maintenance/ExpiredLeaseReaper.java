package dev.baton.coordinator.maintenance;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ExpiredLeases;
import dev.baton.coordinator.metrics.JobMetrics;
import dev.baton.coordinator.service.Wakeups;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back jobs whose lease expired (or whose attempt timed out), every second on every
 * coordinator. The statement is guarded, so coordinators running it together do no harm, and no
 * single runner is needed: expiry is noticed within about a second however many are alive. A row
 * the statement cannot handle is set aside by {@link BadRows}; the others are still handled.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class ExpiredLeaseReaper {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiredLeaseReaper.class);
    private static final int BATCH = 500;
    private static final int QUEUES_NAMED = 10;
    private final Db db;
    private final ExpiredLeases jobs;
    private final Wakeups wakeups;
    private final BadRows bad;
    private final Every timer;
    private final JobMetrics metrics;
    private final DutyMetrics duty;

    public ExpiredLeaseReaper(Db db, ExpiredLeases jobs, Wakeups wakeups, Settings settings, MeterRegistry registry,
                              JobMetrics metrics) {
        this.db = db;
        this.metrics = metrics;
        this.duty = new DutyMetrics("lease-reaper", registry);
        this.bad = new BadRows("lease-reaper", registry);
        this.jobs = jobs;
        this.wakeups = wakeups;
        Duration interval = Duration.ofMillis(settings.reaperIntervalMs());
        this.timer = Every.start("lease-reaper", interval, interval, this::step);
    }

    /**
     * One pass; returns how many attempts it ended, and logs them in one line when there were any:
     * {@code ended 12 attempt(s): 11 lease(s) expired, 1 timed out; 10 queued again, 2 failed for good; by queue: email 9, reports 3}.
     * Tests call it directly.
     */
    public int step() {
        return duty.pass(this::reap);
    }

    private int reap() {
        Tally tally = new Tally();
        int total = db.run(c -> {
            BadRows.RowWork requeue = id -> {
                ExpiredLeases.Ended ended = jobs.requeueExpiredLease(c, id);
                if (ended == null) {
                    return false;
                }
                tally.add(ended);
                return true;
            };
            return bad.pass(BATCH, skipped -> {
                List<ExpiredLeases.Ended> batch = jobs.requeueExpiredLeases(c, BATCH, skipped);
                batch.forEach(tally::add);
                return batch.size();
            }, skipped -> jobs.expiredLeaseIds(c, BATCH, skipped), requeue);
        });
        tally.byQueue.keySet().forEach(wakeups::jobsAvailable);
        if (total > 0) {
            LOG.info("ended {} attempt(s): {} lease(s) expired, {} timed out; {} queued again, {} failed for good; by queue: {}",
                    total, tally.expired, total - tally.expired, tally.requeued, total - tally.requeued, tally.queues());
        }
        return total;
    }

    /**
     * What one pass ended, for its one log line. Each statement here commits as it runs
     * (autocommit): what it returned is written, so it is counted at once.
     */
    private final class Tally {
        private final Map<String, Integer> byQueue = new TreeMap<>();
        private int expired;
        private int requeued;

        void add(ExpiredLeases.Ended e) {
            metrics.attemptEnded(e.queue(), e.type(), e.leaseExpired() ? JobMetrics.Ended.LEASE_EXPIRED
                    : JobMetrics.Ended.TIMED_OUT, e.requeued());
            byQueue.merge(e.queue(), 1, Integer::sum);
            expired += e.leaseExpired() ? 1 : 0;
            requeued += e.requeued() ? 1 : 0;
        }

        /** {@code email 3, reports 1}: at most {@link #QUEUES_NAMED} queues, then how many more. */
        String queues() {
            String named = byQueue.entrySet().stream().limit(QUEUES_NAMED).map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(", "));
            return byQueue.size() > QUEUES_NAMED ? named + " and " + (byQueue.size() - QUEUES_NAMED) + " more queue(s)"
                    : named;
        }
    }

    /** The timer running {@link #step}; tests wait for its next pass. */
    public Every timer() {
        return timer;
    }

    @PreDestroy
    void stop() {
        timer.stop();
    }
}
