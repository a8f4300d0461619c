package dev.baton.coordinator.schedule;

import dev.baton.coordinator.maintenance.RecurringJobs;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.error.BatonException;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    static final long INTERVAL_SECONDS = 30;
    private final RecurringJobs recurringJobs;
    private final ScheduledExecutorService timer;

    public record Pass(int registered, int deleted) {
    }

    public ScheduleReconciler(RecurringJobs recurringJobs) {
        this.recurringJobs = recurringJobs;
        stepQuietly();
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("schedule-reconciler").factory());
        timer.scheduleWithFixedDelay(this::stepQuietly, INTERVAL_SECONDS, INTERVAL_SECONDS, TimeUnit.SECONDS);
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

    private void stepQuietly() {
        try {
            Pass p = step();
            if (p.registered() + p.deleted() > 0) {
                LOG.info("JobRunr recurring jobs reconciled: {} maintenance job(s) registered, {} schedule(s) of an older"
                        + " Baton removed (schedules tick from Baton's own ticker)", p.registered(), p.deleted());
            }
        } catch (BatonException e) {
            LOG.debug("schedule reconciler skipped a pass: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("schedule reconciler pass failed", e);
        }
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
    }
}
