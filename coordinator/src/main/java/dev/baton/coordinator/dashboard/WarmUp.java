package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.service.QueueService;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what the overview caches (the finished counts, the last hour) once as the coordinator
 * starts, in the background, so that the first operator to open the dashboard does not wait for
 * a count that grows with history. A failure (the database not there yet) only leaves that to
 * the first view.
 */
@Context
@Requires(condition = DashboardOn.class)
final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    WarmUp(QueueService queues, ActivityHour activity) {
        Thread.ofVirtual().name("dashboard-warm-up").start(() -> {
            try {
                queues.listWithLastCounts();
                activity.read();
            } catch (RuntimeException e) {
                LOG.debug("dashboard caches not warmed at start: {}", e.toString());
            }
        });
    }
}
