package dev.baton.coordinator.schedule;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.maintenance.Every;
import dev.baton.coordinator.maintenance.RecurringJobs;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Map;
import org.jobrunr.jobs.RecurringJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps JobRunr's recurring jobs to Baton's maintenance jobs, at start and every 30 s on every
 * coordinator: registers what is missing or changed, and deletes every other recurring job. Those
 * are schedules that an older Baton registered with JobRunr; schedules now tick from
 * {@link ScheduleTicker}, and a recurring job left behind would enqueue its ticks late. Repeating
 * the pass puts right a coordinator of the older version still running during an upgrade.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class ScheduleReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleReconciler.class);
    static final Duration INTERVAL = Duration.ofSeconds(30);
    private final RecurringJobs recurringJobs;
    private final Every timer;

    public record Pass(int registered, int deleted) {
    }

    public ScheduleReconciler(RecurringJobs recurringJobs) {
        this.recurringJobs = recurringJobs;
        this.timer = Every.startNow("schedule-reconciler", INTERVAL, this::stepAndLog);
    }

    /** One pass. Tests call it directly. */
    public Pass step() {
        Map<String, RecurringJob> registered = recurringJobs.registered();
        int added = 0;
        int deleted = 0;
        for (String id : RecurringJobs.MAINTENANCE.keySet()) {
            RecurringJob r = registered.get(id);
            if (r == null || !r.getScheduleExpression().equals(RecurringJobs.MAINTENANCE.get(id))) {
                recurringJobs.registerMaintenance(id);
                added++;
            }
        }
        for (String id : registered.keySet()) {
            if (!RecurringJobs.MAINTENANCE.containsKey(id)) {
                recurringJobs.delete(id);
                deleted++;
            }
        }
        return new Pass(added, deleted);
    }

    private void stepAndLog() {
        Pass p = step();
        if (p.registered() + p.deleted() > 0) {
            LOG.info("JobRunr recurring jobs reconciled: {} maintenance job(s) registered, {} schedule(s) of an older"
                    + " Baton removed (schedules tick from Baton's own ticker)", p.registered(), p.deleted());
        }
    }

    @PreDestroy
    void stop() {
        timer.stop();
    }
}
