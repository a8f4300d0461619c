package dev.baton.coordinator.maintenance;

import dev.baton.common.JobStatus;
import dev.baton.coordinator.config.Retention;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.FinishedJobs;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes finished jobs (succeeded, failed, cancelled) older than BATON_RETENTION, with their
 * events, logs and schedule ticks. JobRunr runs {@link #step} every five minutes on one
 * coordinator. Each batch of {@value #BATCH} is its own short transaction, so pruning a large
 * backlog never holds locks for long and never blocks claims. A row that cannot be deleted is set
 * aside by {@link BadRows}; the others are still deleted.
 */
@Singleton
public final class FinishedJobPruner {
    static final int BATCH = 1000;
    private static final List<JobStatus> FINISHED = Arrays.stream(JobStatus.values()).filter(JobStatus::isFinished).toList();
    private static final Logger LOG = LoggerFactory.getLogger(FinishedJobPruner.class);
    private final Db db;
    private final FinishedJobs jobs;
    private final Retention retention;
    // One per status: a bad row is tried alone again with its own status's statement.
    private final Map<JobStatus, BadRows> badRows = new EnumMap<>(JobStatus.class);
    private final DutyMetrics duty;

    public FinishedJobPruner(Db db, FinishedJobs jobs, Settings settings, MeterRegistry registry) {
        this.db = db;
        this.jobs = jobs;
        this.retention = settings.retention();
        FINISHED.forEach(s -> badRows.put(s, new BadRows("finished-job-pruner", registry)));
        this.duty = new DutyMetrics("finished-job-pruner", registry);
    }

    /** One pass with the configured retention, by the database clock. */
    public int step() {
        int n = duty.pass(() -> prune(retention, null));
        if (n > 0) {
            LOG.info("pruned {} finished job(s) past their retention", n);
        }
        return n;
    }

    /** Deletes what {@code retention} lets go as of {@code now} (null: the database's now()); returns how many. */
    public int prune(Retention retention, Instant now) {
        int total = 0;
        for (JobStatus status : FINISHED) {
            BadRows bad = badRows.get(status);
            Duration age = retention.of(status);
            total += db.run(c -> bad.pass(BATCH,
                    skipped -> jobs.deleteFinishedBefore(c, status.wire(), age, now, BATCH, skipped),
                    skipped -> jobs.finishedBeforeIds(c, status.wire(), age, now, BATCH, skipped),
                    id -> jobs.deleteOneFinishedBefore(c, id, status.wire(), age, now)));
        }
        return total;
    }
}
