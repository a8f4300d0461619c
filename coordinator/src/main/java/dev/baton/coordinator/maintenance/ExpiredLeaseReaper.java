package dev.baton.coordinator.maintenance;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ExpiredLeases;
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

    public ExpiredLeaseReaper(Db db, ExpiredLeases jobs, Wakeups wakeups, Settings settings, MeterRegistry registry) {
        this.db = db;
        this.bad = new BadRows("lease-reaper", registry);
        this.jobs = jobs;
        this.wakeups = wakeups;
        Duration interval = Duration.ofMillis(settings.reaperIntervalMs());
        this.timer = Every.start("lease-reaper", interval, interval, this::stepAndLog);
    }

    /** One pass; returns how many attempts it ended. Tests call it directly. */
    public int step() {
        Set<String> queues = new HashSet<>();
        int total = db.run(c -> {
            BadRows.RowWork requeue = id -> {
                String queue = jobs.requeueExpiredLease(c, id);
                if (queue == null) {
                    return false;
                }
                queues.add(queue);
                return true;
            };
            return bad.pass(BATCH, skipped -> {
                List<String> batch = jobs.requeueExpiredLeases(c, BATCH, skipped);
                queues.addAll(batch);
                return batch.size();
            }, skipped -> jobs.expiredLeaseIds(c, BATCH, skipped), requeue);
        });
        queues.forEach(wakeups::jobsAvailable);
        return total;
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
