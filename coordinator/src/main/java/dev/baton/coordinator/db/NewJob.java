package dev.baton.coordinator.db;

import dev.baton.common.Job.Backoff;
import java.time.Instant;

/**
 * A validated enqueue: every default applied, JSON already serialized. {@code traceparent} and
 * {@code tracestate} are a checked W3C trace context to store with the job, or null.
 */
public record NewJob(String queue, String type, String payloadJson, int priority, Instant runAt, long delayMs,
                     int maxAttempts, String uniqueKey, String labelsJson, int timeoutSeconds, Backoff backoff,
                     String traceparent, String tracestate) {

    /** A job without a trace context (a schedule's tick, the bench). */
    public NewJob(String queue, String type, String payloadJson, int priority, Instant runAt, long delayMs,
                  int maxAttempts, String uniqueKey, String labelsJson, int timeoutSeconds, Backoff backoff) {
        this(queue, type, payloadJson, priority, runAt, delayMs, maxAttempts, uniqueKey, labelsJson, timeoutSeconds,
                backoff, null, null);
    }

    public NewJob withTrace(String traceparent, String tracestate) {
        return new NewJob(queue, type, payloadJson, priority, runAt, delayMs, maxAttempts, uniqueKey, labelsJson,
                timeoutSeconds, backoff, traceparent, tracestate);
    }
}
