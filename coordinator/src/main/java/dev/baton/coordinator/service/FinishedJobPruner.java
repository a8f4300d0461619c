package dev.baton.coordinator.service;

import dev.baton.common.JobStatus;
import dev.baton.coordinator.Retention;
import dev.baton.coordinator.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.JobRepository;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes finished jobs (succeeded, failed, cancelled) older than BATON_RETENTION, with their
 * events, logs and schedule ticks. JobRunr runs {@link #step} every five minutes on one
 * coordinator. Each batch of {@value #BATCH} is its own short transaction, so pruning a large
 * backlog never holds locks for long and never blocks claims.
 */
@Singleton
public final class FinishedJobPruner {
    static final int BATCH = 1000;
    private static final List<JobStatus> FINISHED = List.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED);
    private static final Logger LOG = LoggerFactory.getLogger(FinishedJobPruner.class);
    private final Db db;
    private final JobRepository jobs;
    private final Retention retention;

    public FinishedJobPruner(Db db, JobRepository jobs, Settings settings) {
        this.db = db;
        this.jobs = jobs;
        this.retention = settings.retention();
    }

    /** One pass with the configured retention, by the database clock. */
    public int step() {
        int n = prune(retention, null);
        if (n > 0) {
            LOG.info("pruned {} finished job(s) past their retention", n);
        }
        return n;
    }

    /** Deletes what {@code retention} lets go as of {@code now} (null: the database's now()); returns how many. */
    public int prune(Retention retention, Instant now) {
        int total = 0;
        for (JobStatus status : FINISHED) {
            int n;
            do {
                n = db.run(c -> jobs.deleteFinishedBefore(c, status.wire(), retention.of(status), now, BATCH));
                total += n;
            } while (n == BATCH);
        }
        return total;
    }
}
