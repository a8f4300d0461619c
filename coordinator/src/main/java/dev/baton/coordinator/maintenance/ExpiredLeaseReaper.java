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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
        this.timer = Every.start("lease-reaper", interval, interval, this::stepAndLog);
    }

    /** One pass; returns how many attempts it ended. Tests call it directly. */
    public int step() {
        return duty.pass(this::reap);
    }

    private int reap() {
        Set<String> queues = new HashSet<>();
        int total = db.run(c -> {
            BadRows.RowWork requeue = id -> {
                ExpiredLeases.Ended ended = jobs.requeueExpiredLease(c, id);
                if (ended == null) {
                    return false;
                }
                counted(ended);
                queues.add(ended.queue());
                return true;
            };
            return bad.pass(BATCH, skipped -> {
                List<ExpiredLeases.Ended> batch = jobs.requeueExpiredLeases(c, BATCH, skipped);
                batch.forEach(this::counted);
                batch.forEach(e -> queues.add(e.queue()));
                return batch.size();
            }, skipped -> jobs.expiredLeaseIds(c, BATCH, skipped), requeue);
        });
        queues.forEach(wakeups::jobsAvailable);
        return total;
    }

    /** Each statement here commits as it runs (autocommit): what it returned is written. */
    private void counted(ExpiredLeases.Ended e) {
        metrics.attemptEnded(e.queue(), e.type(), e.leaseExpired() ? JobMetrics.Ended.LEASE_EXPIRED
                : JobMetrics.Ended.TIMED_OUT, e.requeued());
    }

    private void stepAndLog() {
        int n = step();
        if (n > 0) {
            LOG.info("ended {} attempt(s) whose lease expired or that timed out", n);
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
