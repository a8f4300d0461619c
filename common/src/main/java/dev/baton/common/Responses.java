package dev.baton.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Response bodies of docs/protocol.md. */
public final class Responses {
    private Responses() {
    }

    /** {@code completions}: the answers to a claim's carried completions, in their order; absent when it carried none. */
    public record Jobs(List<Job> jobs,
                       @JsonInclude(JsonInclude.Include.NON_NULL) List<CompletionResult> completions) {
        public Jobs(List<Job> jobs) {
            this(jobs, null);
        }
    }

    public record JobPage(List<Job> items, String nextCursor) {
    }

    /** {@code actor}: the name of the token whose admin request made the event (cancel, retry, edit); else null. */
    public record Event(String id, Instant at, String type, JobStatus fromStatus, JobStatus toStatus,
                        int attempt, String workerId, JsonNode detail, String actor) {
    }

    public record EventPage(List<Event> items) {
    }

    public record LogEntry(int attempt, int seq, LogLevel level, String message, Instant at) {
    }

    public record LogPage(List<LogEntry> items, String nextCursor) {
    }

    public record HeartbeatAnswer(LeaseExpiry lease, long version) {
    }

    public record LeaseExpiry(Instant expiresAt) {
    }

    public record VersionAnswer(long version) {
    }

    public record LogAppendAnswer(int accepted, int duplicates) {
    }

    public record CompletionResult(String id, int status,
                                   @JsonInclude(JsonInclude.Include.NON_NULL) String code,
                                   @JsonInclude(JsonInclude.Include.NON_NULL) Job job) {
    }

    public record CompletionResults(List<CompletionResult> items) {
    }

    public record BulkSucceeded(String id, long version) {
    }

    public record BulkFailed(String id, String code, String detail, Job job) {
    }

    public record BulkResult(List<BulkSucceeded> succeeded, List<BulkFailed> failed) {
    }

    public record Queue(String name, boolean paused, Map<String, Long> counts, Long oldestQueuedAgeMs,
                        Integer maxRunning, Double ratePerSecond) {
    }

    public record FieldError(String field, String message) {
    }

    /** A live worker of GET /workers, with the jobs it holds a lease on. */
    public record Worker(String workerId, List<String> queues, Instant lastSeenAt, long runningJobs) {
    }

    /** GET /health: {@code up}, {@code degraded} (Redis down) or {@code down} (the database down). */
    public record Health(String status, String database, String redis) {
    }

    /** {@code GET /health/live}: the process answers. */
    public record Live(String status) {
    }

    /**
     * {@code GET /health/ready}: {@code status} ready or not_ready; each check says its own state
     * (database up or down, migrations applied, lifecycle running or stopping).
     */
    public record Ready(String status, String database, String migrations, String lifecycle) {
    }

    /** A schedule as stored; {@code nextRunAt} is its next tick after now. */
    public record Schedule(String name, String cron, String timezone, String catchUp, JsonNode job, Instant createdAt,
                           Instant updatedAt, Instant nextRunAt) {
    }

    /** An API token as GET /tokens lists it: never its secret or hash. {@code queues} null: every queue. */
    public record Token(String name, String role, List<String> queues, Instant createdAt, Instant expiresAt,
                        String createdBy, Instant lastUsedAt) {
    }

    /** The 201 answer of POST /tokens: the token, with its secret, shown this once and never again. */
    public record CreatedToken(String name, String role, List<String> queues, Instant createdAt, Instant expiresAt,
                               String createdBy, String token) {
    }

    /** One admin change of the audit trail. */
    public record AuditEntry(String id, Instant at, String actor, String action, String target, JsonNode details) {
    }

    public record AuditPage(List<AuditEntry> items, String nextCursor) {
    }

    /** RFC 9457 problem details with Baton's extensions. */
    public record Problem(String type, String title, int status, String detail, String code,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Job job,
                          @JsonInclude(JsonInclude.Include.NON_NULL) List<FieldError> errors,
                          @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> seqs) {
    }
}
