package dev.baton.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Request bodies of docs/protocol.md. Absent fields are null; the coordinator validates. */
public final class Requests {
    private Requests() {
    }

    public record Enqueue(String queue, String type, JsonNode payload, Integer priority, Instant runAt,
                          Long delayMs, Integer maxAttempts, String uniqueKey, Map<String, String> labels,
                          Integer timeoutSeconds, Job.Backoff backoff) {
    }

    public record EnqueueBatch(List<Enqueue> jobs) {
    }

    /**
     * {@code completions}, when not null, are settled before the claim looks for work, each judged
     * as in {@link Completions}: a worker's finished jobs ride on its next claim. Left out when null,
     * so a claim carrying nothing is one a coordinator older than the field takes.
     */
    public record Claim(String workerId, List<String> queues, List<String> types, Integer limit, Long waitMs,
                        Long leaseMs,
                        @JsonInclude(JsonInclude.Include.NON_NULL) List<CompletionItem> completions) {
        public Claim(String workerId, List<String> queues, List<String> types, Integer limit, Long waitMs,
                     Long leaseMs) {
            this(workerId, queues, types, limit, waitMs, leaseMs, null);
        }
    }

    public record Heartbeat(String leaseToken, Long leaseMs) {
    }

    public record ProgressUpdate(String leaseToken, Long expectedVersion, Long current, Long total, String message) {
    }

    public record LogAppend(String leaseToken, List<LogLine> entries) {
    }

    public record LogLine(Integer seq, LogLevel level, String message) {
    }

    public record Complete(String leaseToken, JsonNode result) {
    }

    public record Fail(String leaseToken, FailError error, Instant retryAt) {
    }

    public record FailError(String message, String type, Boolean retryable) {
    }

    public record Completions(List<CompletionItem> items) {
    }

    public record CompletionItem(String id, String leaseToken, JsonNode result) {
    }

    public record Cancel(Long expectedVersion, String reason) {
    }

    public record Retry(Long expectedVersion, Instant runAt, Integer maxAttempts) {
    }

    public record Patch(Long expectedVersion, Integer priority, Instant runAt, JsonNode payload, Integer maxAttempts,
                        Map<String, String> labels) {
    }

    public record Bulk(List<BulkOperation> operations) {
    }

    public record BulkOperation(String id, String action, Long expectedVersion, Patch changes) {
    }

    public record QueueUpdate(Boolean paused, Integer maxRunning, Double ratePerSecond) {
    }

    /**
     * PUT /schedules/{name}: a cron with seconds, an IANA time zone (default UTC), what to do with
     * ticks missed while no coordinator ran ({@code all}, the default, {@code latest} or {@code none}),
     * and a POST /jobs body.
     */
    public record PutSchedule(String cron, String timezone, String catchUp, Enqueue job) {
    }

    /**
     * POST /tokens: a unique name, a role ({@code admin}, {@code producer}, {@code worker},
     * {@code viewer}), the queues a producer or worker token is scoped to (left out: every queue),
     * and when it expires (left out: never).
     */
    public record CreateToken(String name, String role, List<String> queues, Instant expiresAt) {
    }
}
