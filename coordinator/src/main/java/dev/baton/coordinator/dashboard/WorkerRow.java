package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.db.JobQueries.RunningJob;
import dev.baton.coordinator.redis.WorkerRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** One live worker on the workers page: its queues, when it was last seen, and the jobs it runs now. */
public record WorkerRow(String id, String queues, String lastSeen, long running, List<RunningJob> jobs, long more) {
    /** At most this many of a worker's running jobs are listed; the rest are counted. */
    static final int SHOWN = 20;

    static WorkerRow of(WorkerRegistry.Seen seen, long running, List<RunningJob> jobs, Instant now) {
        String lastSeen = seen.lastSeenAt() == null ? "—"
                : Show.age(Math.max(0, Duration.between(seen.lastSeenAt(), now).toMillis())) + " ago";
        return new WorkerRow(seen.workerId(), seen.queues().isEmpty() ? "—" : String.join(", ", seen.queues()), lastSeen,
                running, jobs, Math.max(0, running - jobs.size()));
    }
}
