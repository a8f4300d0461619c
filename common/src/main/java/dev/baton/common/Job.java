package dev.baton.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;

/**
 * A job as the wire shows it. {@code traceparent} and {@code tracestate} (W3C trace context) are
 * present only when the job has them; {@code leaseToken} only in a claim's answer.
 */
public record Job(
        String id, String queue, String type, JsonNode payload, int priority, JobStatus status,
        int attempt, int maxAttempts, Instant runAt, Instant createdAt, Instant updatedAt,
        Instant startedAt, Instant finishedAt, long version, Progress progress, Lease lease,
        JsonNode result, JobError lastError, String uniqueKey, Map<String, String> labels,
        int timeoutSeconds, Backoff backoff,
        @JsonInclude(JsonInclude.Include.NON_NULL) String traceparent,
        @JsonInclude(JsonInclude.Include.NON_NULL) String tracestate,
        @JsonInclude(JsonInclude.Include.NON_NULL) String leaseToken) {

    public Job withLeaseToken(String token) {
        return new Job(id, queue, type, payload, priority, status, attempt, maxAttempts, runAt, createdAt,
                updatedAt, startedAt, finishedAt, version, progress, lease, result, lastError, uniqueKey,
                labels, timeoutSeconds, backoff, traceparent, tracestate, token);
    }

    public record Progress(Long current, Long total, String message, Instant updatedAt) {
    }

    public record Lease(String workerId, Instant expiresAt) {
    }

    public record JobError(String message, String type, Boolean retryable, Integer attempt) {
    }

    public record Backoff(Long initialMs, Double factor, Long maxMs, Double jitter) {
        public static final Backoff DEFAULT = new Backoff(1000L, 2.0, 3_600_000L, 0.1);
    }
}
