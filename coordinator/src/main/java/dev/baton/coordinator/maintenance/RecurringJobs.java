package dev.baton.coordinator.maintenance;

import jakarta.inject.Singleton;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jobrunr.jobs.RecurringJob;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.storage.StorageProvider;

/**
 * Baton's maintenance jobs in JobRunr, registered by code (the feature ignores {@code @Recurring}).
 * Their ids start with '_'. Any other recurring job was a schedule registered by an older Baton
 * (schedules now tick from {@link ScheduleTicker}), which {@link ScheduleReconciler} deletes.
 * Registering is idempotent: the same id replaces what was there.
 */
@Singleton
public final class RecurringJobs {
    public static final String PRUNE_FINISHED_JOBS = "_baton.prune-finished-jobs";
    public static final String EXPIRED_LEASE_SWEEP = "_baton.expired-lease-sweep";
    /** Maintenance id → cron (UTC). */
    public static final Map<String, String> MAINTENANCE = Map.of(
            PRUNE_FINISHED_JOBS, "0 */5 * * * *",
            EXPIRED_LEASE_SWEEP, "*/30 * * * * *");
    private final JobScheduler scheduler;
    private final StorageProvider storage;

    public RecurringJobs(JobScheduler scheduler, StorageProvider storage) {
        this.scheduler = scheduler;
        this.storage = storage;
    }

    /**
     * Pruning runs on one coordinator at a time. The lease sweep is only a backstop: the
     * 5-second expiry promise is kept by {@link ExpiredLeaseReaper}'s own 1-second timer, since
     * JobRunr polls every 5 s at best.
     */
    public void registerMaintenance(String id) {
        String cron = MAINTENANCE.get(id);
        switch (id) {
            case PRUNE_FINISHED_JOBS ->
                    scheduler.<FinishedJobPruner>scheduleRecurrently(id, cron, ZoneOffset.UTC, pruner -> pruner.step());
            case EXPIRED_LEASE_SWEEP ->
                    scheduler.<ExpiredLeaseReaper>scheduleRecurrently(id, cron, ZoneOffset.UTC, reaper -> reaper.step());
            default -> throw new IllegalArgumentException("no maintenance job " + id);
        }
    }

    public void delete(String id) {
        scheduler.deleteRecurringJob(id);
    }

    /** What JobRunr holds, by id. */
    public Map<String, RecurringJob> registered() {
        Map<String, RecurringJob> out = new LinkedHashMap<>();
        for (RecurringJob r : storage.getRecurringJobs()) {
            out.put(r.getId(), r);
        }
        return out;
    }
}
