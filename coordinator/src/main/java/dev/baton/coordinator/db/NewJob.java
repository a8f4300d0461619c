package dev.baton.coordinator.db;

import dev.baton.common.Job.Backoff;
import java.time.Instant;

/** A validated enqueue: every default applied, JSON already serialized. */
public record NewJob(String queue, String type, String payloadJson, int priority, Instant runAt, long delayMs,
                     int maxAttempts, String uniqueKey, String labelsJson, int timeoutSeconds, Backoff backoff) {
}
