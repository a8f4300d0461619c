package dev.baton.coordinator.service;

import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ScheduleRepository;
import dev.baton.coordinator.db.ScheduleRepository.Row;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.Settings;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jobrunr.jobs.RecurringJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes JobRunr's recurring jobs match the schedules table, at start and every 30 s on every
 * coordinator: registers what is missing or changed (and Baton's maintenance jobs), deletes what
 * has no row any more, then sweeps for ticks JobRunr has not enqueued. A coordinator that starts
 * after a DELETE, or races a PUT on another coordinator, is put right by its next pass; meanwhile
 * a stale registration does no harm, because {@link ScheduleTicker} only enqueues what the row says.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class ScheduleReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleReconciler.class);
    static final long INTERVAL_SECONDS = 30;
    private final Db db;
    private final ScheduleRepository schedules;
    private final RecurringJobs recurringJobs;
    private final ScheduleTicker ticker;
    private final ScheduledExecutorService timer;

    public record Pass(int registered, int deleted, int enqueued) {
    }

    public ScheduleReconciler(Db db, ScheduleRepository schedules, RecurringJobs recurringJobs, ScheduleTicker ticker) {
        this.db = db;
        this.schedules = schedules;
        this.recurringJobs = recurringJobs;
        this.ticker = ticker;
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
        Map<String, Row> rows = new HashMap<>();
        for (Row row : db.run(schedules::list)) {
            rows.put(row.name(), row);
            RecurringJob r = registered.get(row.name());
            if (r == null || !r.getScheduleExpression().equals(row.cron())
                    || !Objects.equals(ZoneId.of(r.getZoneId()), ZoneId.of(row.timezone()))) {
                try {
                    recurringJobs.registerSchedule(row.name(), Cron.parse(row.cron(), ZoneId.of(row.timezone())));
                    added++;
                } catch (IllegalArgumentException e) {
                    LOG.warn("schedule {} cannot be registered with JobRunr: {}", row.name(), e.getMessage());
                }
            }
        }
        for (String id : registered.keySet()) {
            if (!RecurringJobs.isMaintenance(id) && !rows.containsKey(id)) {
                recurringJobs.delete(id);
                deleted++;
            }
        }
        return new Pass(added, deleted, ticker.sweep());
    }

    private void stepQuietly() {
        try {
            Pass p = step();
            if (p.registered() + p.deleted() + p.enqueued() > 0) {
                LOG.info("schedules reconciled: {} registered with JobRunr, {} removed from it, {} tick(s) enqueued",
                        p.registered(), p.deleted(), p.enqueued());
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
