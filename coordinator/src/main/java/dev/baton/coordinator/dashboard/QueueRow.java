package dev.baton.coordinator.dashboard;

import dev.baton.common.JobStatus;
import dev.baton.common.Responses.Queue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One queue on the overview: its counts in status order, each linking to those jobs. */
public record QueueRow(String name, boolean paused, List<Count> counts, String oldestQueued, String maxRunning,
                       String ratePerSecond, String jobsLink) {

    public record Count(String status, long count, String link) {
    }

    static QueueRow of(Queue q) {
        List<Count> counts = new ArrayList<>();
        for (JobStatus s : JobStatus.values()) {
            long n = q.counts().getOrDefault(s.wire(), 0L);
            counts.add(new Count(s.wire(), n, "/ui/jobs?" + Show.query(Map.of("queue", q.name(), "status", s.wire()))));
        }
        return new QueueRow(q.name(), q.paused(), counts, Show.age(q.oldestQueuedAgeMs()), Show.orDash(q.maxRunning()),
                Show.orDash(q.ratePerSecond()), "/ui/jobs?" + Show.query(Map.of("queue", q.name())));
    }
}
