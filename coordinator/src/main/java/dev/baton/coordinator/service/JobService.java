package dev.baton.coordinator.service;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.Responses.BulkFailed;
import dev.baton.common.Responses.BulkResult;
import dev.baton.common.Responses.BulkSucceeded;
import dev.baton.common.Responses.Event;
import dev.baton.common.Responses.JobPage;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.AuditTrail;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.IdempotencyKeys;
import dev.baton.coordinator.db.JobEdits;
import dev.baton.coordinator.db.JobInserts;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.db.NewJob;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.metrics.JobMetrics;
import dev.baton.coordinator.metrics.JobMetrics.Refusal;
import dev.baton.coordinator.tracing.TraceHeaders;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Producer and admin operations on jobs. Admin changes run under the job's row lock, and each
 * writes its event (naming its actor) and its audit row in its own transaction.
 */
@Singleton
public final class JobService {
    private static final Set<String> BULK_ACTIONS = Set.of("cancel", "retry", "update");
    private static final Logger LOG = LoggerFactory.getLogger(JobService.class);
    /** The schema's bound on max_attempts: a job never has more attempts than this. */
    static final int MAX_ATTEMPTS = 1000;
    private final Db db;
    private final JobInserts inserts;
    private final JobEdits edits;
    private final JobQueries queries;
    private final JobFactory factory;
    private final Wakeups wakeups;
    private final AuditTrail audit;
    private final JobMetrics metrics;
    private final KeyedSteps keyedSteps;
    /** How long a bulk starts operations: the database bound (docs/protocol.md), BATON_DB_STATEMENT_TIMEOUT_MS + 2 s. */
    private final long bulkBudgetMs;

    public JobService(Db db, JobInserts inserts, JobEdits edits, JobQueries queries, JobFactory factory,
                      Wakeups wakeups, AuditTrail audit, JobMetrics metrics, KeyedSteps keyedSteps, Settings settings) {
        this.bulkBudgetMs = settings.dbStatementTimeoutMs() + 2000;
        this.metrics = metrics;
        this.keyedSteps = keyedSteps;
        this.audit = audit;
        this.db = db;
        this.inserts = inserts;
        this.edits = edits;
        this.queries = queries;
        this.factory = factory;
        this.wakeups = wakeups;
    }

    public record Enqueued(Job job, boolean created) {
    }

    /** {@code trace}: the W3C trace context to store with the job, or null. */
    public Enqueued enqueue(Requests.Enqueue r, TraceHeaders trace) {
        NewJob n = traced(factory.newJob(r, ""), trace);
        Enqueued e = db.run(c -> insertOrFindDuplicate(c, n));
        if (e.created()) {
            announce(e.job());
        }
        return e;
    }

    /** All or nothing: one transaction for the whole batch. {@code trace}: stored with every job, or null. */
    public List<Job> enqueueBatch(Requests.EnqueueBatch batch, TraceHeaders trace) {
        List<NewJob> all = factory.newJobs(batch).stream().map(n -> traced(n, trace)).toList();
        // Without unique keys nothing can collide: one statement inserts them all. With any, each
        // job goes alone in order, so a later job can find an earlier one as its duplicate.
        boolean anyUnique = all.stream().anyMatch(n -> n.uniqueKey() != null);
        List<Enqueued> done = db.tx(c -> {
            if (!anyUnique) {
                List<Job> inserted = inserts.insertEach(c, all);
                db.afterCommit(() -> inserted.forEach(metrics::enqueued));
                return inserted.stream().map(j -> new Enqueued(j, true)).toList();
            }
            List<Enqueued> out = new ArrayList<>(all.size());
            for (NewJob n : all) {
                out.add(insertOrFindDuplicate(c, n));
            }
            return out;
        });
        done.stream().filter(Enqueued::created).map(Enqueued::job).map(Job::queue).distinct()
                .forEach(wakeups::jobsAvailable);
        return done.stream().map(Enqueued::job).toList();
    }

    private static NewJob traced(NewJob n, TraceHeaders trace) {
        return trace == null ? n : n.withTrace(trace.traceparent(), trace.tracestate());
    }

    /**
     * The partial unique index decides a uniqueKey race: the losing insert does nothing and we
     * return the winner. If the winner finished in the instant between, the insert is tried again.
     */
    public Enqueued insertOrFindDuplicate(Connection c, NewJob n) throws SQLException {
        for (int attempt = 0; attempt < 10; attempt++) {
            Job inserted = inserts.insertUnlessActiveDuplicate(c, n);
            if (inserted != null) {
                db.afterCommit(() -> metrics.enqueued(inserted));
                return new Enqueued(inserted, true);
            }
            Job existing = inserts.findActiveByUniqueKey(c, n.queue(), n.uniqueKey());
            if (existing != null) {
                return new Enqueued(existing, false);
            }
        }
        throw new IllegalStateException("uniqueKey " + n.uniqueKey() + " kept changing hands");
    }

    private void announce(Job job) {
        if (job.status() == JobStatus.QUEUED && !job.runAt().isAfter(Instant.now())) {
            wakeups.jobsAvailable(job.queue());
        }
    }

    public Job get(String id) {
        long jobId = Ids.job(id);
        Job job = db.run(c -> queries.find(c, jobId));
        if (job == null) {
            throw BatonException.noJob(id);
        }
        return job;
    }

    public JobPage list(JobQueries.Filter filter) {
        List<Job> rows = db.run(c -> queries.listNewestFirst(c, filter));
        if (rows.size() <= filter.limit()) {
            return new JobPage(rows, null);
        }
        List<Job> page = rows.subList(0, filter.limit());
        return new JobPage(List.copyOf(page), Ids.cursor("j", Long.parseLong(page.get(page.size() - 1).id())));
    }

    /**
     * A page of a search that reads at most {@code span} ids below where the page starts, so that
     * a value found once in millions of jobs costs a bounded read per page (nothing indexes the
     * documents searched). When the span ends before the page fills, the next cursor goes on below
     * it: the page may be short, even empty, and still have a next one.
     */
    public JobPage search(JobQueries.Filter filter, long span) {
        long top = filter.beforeId() != null ? filter.beforeId() : db.run(queries::newestId) + 1;
        long floor = Math.max(1, top - span);
        JobPage page = list(filter.from(floor));
        if (page.nextCursor() == null && floor > 1) {
            return new JobPage(page.items(), Ids.cursor("j", floor));
        }
        return page;
    }

    public List<Event> events(String id, long after, int limit) {
        long jobId = Ids.job(id);
        return db.run(c -> {
            if (!queries.exists(c, jobId)) {
                throw BatonException.noJob(id);
            }
            return queries.events(c, jobId, after, limit);
        });
    }

    public Job cancel(String id, Requests.Cancel r, Actor actor) {
        long jobId = Ids.job(id);
        Checks checks = new Checks();
        checks.length("reason", r.reason(), 0, 2000);
        checks.throwIfAny();
        return db.tx(c -> {
            Job current = lockedForChange(c, jobId, id, r.expectedVersion());
            if (!current.status().allows(JobStatus.Move.CANCEL)) {
                throw BatonException.conflict(ErrorCode.INVALID_TRANSITION,
                        "a " + current.status().wire() + " job cannot be cancelled", current);
            }
            Job cancelled = edits.cancelLocked(c, jobId);
            db.afterCommit(() -> metrics.cancelled(cancelled));
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("reason", r.reason());
            edits.insertEvent(c, jobId, "cancelled", current.status().wire(), "cancelled", current.attempt(),
                    current.lease() != null ? current.lease().workerId() : null, Json.write(detail), actor.name());
            detail.put("fromStatus", current.status().wire());
            audit.record(c, actor.name(), "job.cancel", "job:" + jobId, actor.details(detail));
            return cancelled;
        });
    }

    public Job retry(String id, Requests.Retry r, Actor actor) {
        long jobId = Ids.job(id);
        Checks checks = new Checks();
        checks.range("maxAttempts", r.maxAttempts(), 1, MAX_ATTEMPTS);
        checks.time("runAt", r.runAt());
        checks.throwIfAny();
        Job retried = db.tx(c -> {
            Job current = lockedForChange(c, jobId, id, r.expectedVersion());
            if (!current.status().allows(JobStatus.Move.RETRY)) {
                throw BatonException.conflict(ErrorCode.INVALID_TRANSITION,
                        "only failed or cancelled jobs can be retried; this one is " + current.status().wire(), current);
            }
            if (current.attempt() >= MAX_ATTEMPTS) {
                throw BatonException.conflict(ErrorCode.INVALID_TRANSITION, "this job has made " + current.attempt()
                        + " attempts, the most a job may have: no further attempt can be granted", current);
            }
            Job queued;
            try {
                queued = edits.retryLocked(c, jobId, r.runAt(), r.maxAttempts());
            } catch (SQLException e) {
                if (Db.isUniqueViolation(e)) {
                    throw BatonException.conflict(ErrorCode.INVALID_TRANSITION, "another job with uniqueKey '"
                            + current.uniqueKey() + "' is queued or running in this queue", current);
                }
                throw e;
            }
            edits.insertEvent(c, jobId, "retried", current.status().wire(), "queued", queued.attempt(), null,
                    Json.write(Map.of("maxAttempts", queued.maxAttempts())), actor.name());
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("fromStatus", current.status().wire());
            detail.put("maxAttempts", queued.maxAttempts());
            detail.put("runAt", queued.runAt().toString());
            audit.record(c, actor.name(), "job.retry", "job:" + jobId, actor.details(detail));
            return queued;
        });
        announce(retried);
        return retried;
    }

    public Job update(String id, Requests.Patch r, Actor actor) {
        long jobId = Ids.job(id);
        Checks checks = new Checks();
        checks.required("expectedVersion", r.expectedVersion());
        checks.range("priority", r.priority(), -1_000_000, 1_000_000);
        checks.range("maxAttempts", r.maxAttempts(), 1, MAX_ATTEMPTS);
        checks.labels("labels", r.labels());
        checks.time("runAt", r.runAt());
        if (r.priority() == null && r.runAt() == null && r.payload() == null && r.maxAttempts() == null
                && r.labels() == null) {
            checks.fail("body", "give at least one of priority, runAt, payload, maxAttempts, labels");
        }
        if (r.payload() != null && r.payload().isNull()) {
            checks.fail("payload", "must be JSON, not null");
        }
        checks.throwIfAny();
        factory.checkStorable("payload", r.payload());
        String payload = r.payload() == null ? null : Json.write(r.payload());
        factory.checkPayloadSize("payload", payload);
        List<String> changed = new ArrayList<>();
        if (r.priority() != null) changed.add("priority");
        if (r.runAt() != null) changed.add("runAt");
        if (payload != null) changed.add("payload");
        if (r.maxAttempts() != null) changed.add("maxAttempts");
        if (r.labels() != null) changed.add("labels");
        Job updated = db.tx(c -> {
            Job current = lockedForChange(c, jobId, id, r.expectedVersion());
            // An edit is no transition: only a job still waiting (queued) may be changed.
            if (current.status() != JobStatus.QUEUED) {
                throw BatonException.conflict(ErrorCode.INVALID_TRANSITION,
                        "only queued jobs can be edited; this one is " + current.status().wire(), current);
            }
            if (r.maxAttempts() != null && r.maxAttempts() <= current.attempt()) {
                throw BatonException.invalid("maxAttempts", "must be above the attempts already made ("
                        + current.attempt() + ")");
            }
            Job after = edits.updateQueuedLocked(c, jobId, r.priority(), r.runAt(), payload, r.maxAttempts(),
                    r.labels() == null ? null : Json.write(r.labels()));
            edits.insertEvent(c, jobId, "updated", "queued", "queued", current.attempt(), null,
                    Json.write(Map.of("changed", changed)), actor.name());
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("changed", changed);
            audit.record(c, actor.name(), "job.update", "job:" + jobId, actor.details(detail));
            return after;
        });
        announce(updated);
        return updated;
    }

    /**
     * Each operation in its own transaction; one refusal never rolls back another. Earlier
     * operations may have committed, so no later one may turn the answer into a 500: an
     * unexpected failure is logged and reported as that operation's {@code internal}.
     */
    public BulkResult bulk(Requests.Bulk r, Actor actor) {
        return bulk(r, actor, null);
    }

    /**
     * As {@link #bulk(Requests.Bulk, Actor)}, under the Idempotency-Key {@code taken} (null: none):
     * each operation's transaction then also stores its answer ({@link KeyedSteps}), and those an
     * earlier try of this request stored are answered as they were, not run again.
     */
    public BulkResult bulk(Requests.Bulk r, Actor actor, IdempotencyKeys.Taken taken) {
        if (r.operations() == null) {
            throw BatonException.invalid("operations", "is required");
        }
        if (r.operations().size() > JobFactory.MAX_BATCH) {
            throw new BatonException(ErrorCode.PAYLOAD_TOO_LARGE, "at most " + JobFactory.MAX_BATCH + " operations");
        }
        Checks checks = new Checks();
        for (int i = 0; i < r.operations().size(); i++) {
            Requests.BulkOperation op = r.operations().get(i);
            String at = "operations[" + i + "].";
            if (op == null) {
                checks.fail("operations[" + i + "]", "must be an object");
                continue;
            }
            checks.required(at + "id", op.id());
            checks.required(at + "action", op.action());
            if (op.action() != null && !BULK_ACTIONS.contains(op.action())) {
                checks.fail(at + "action", "must be cancel, retry or update");
            }
            if ("update".equals(op.action()) && op.changes() == null) {
                checks.fail(at + "changes", "is required for update");
            }
            if ("update".equals(op.action()) && op.changes() != null && op.expectedVersion() == null
                    && op.changes().expectedVersion() == null) {
                checks.fail(at + "expectedVersion", "is required for update");
            }
            if (!"update".equals(op.action()) && op.changes() != null) {
                checks.fail(at + "changes", "only update takes changes");
            }
        }
        checks.throwIfAny();
        if (taken == null) {
            return db.onOneConnection(() -> runEach(r.operations(), actor, null, Map.of()));
        }
        return keyedSteps.run(taken, stored -> runEach(r.operations(), actor, taken, stored));
    }

    private BulkResult runEach(List<Requests.BulkOperation> operations, Actor actor, IdempotencyKeys.Taken taken,
                               Map<Integer, BulkSucceeded> stored) {
        List<BulkSucceeded> succeeded = new ArrayList<>();
        List<BulkFailed> failed = new ArrayList<>();
        int committed = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(bulkBudgetMs);
        for (int i = 0; i < operations.size(); i++) {
            Requests.BulkOperation op = operations.get(i);
            BulkSucceeded before = stored.get(i);
            if (before != null) {
                succeeded.add(before);
                committed++;
                continue;
            }
            if (System.nanoTime() - deadline > 0) {
                // soak 11, seed 3: on a slow database link a keyed bulk of 11 ran past its client's 10 s
                outOfTime(operations, i, taken, committed, failed);
                break;
            }
            try {
                BulkSucceeded done = taken == null ? apply(op, actor) : keyedSteps.step(taken, i, () -> apply(op, actor));
                succeeded.add(done);
                committed++;
            } catch (BatonException e) {
                if (e.code() == ErrorCode.UNAVAILABLE) {
                    throw taken == null || committed == 0 ? e : new BatonException(ErrorCode.UNAVAILABLE, e.getMessage()
                            + " (" + committed + " of this bulk's operations had committed: send it again with the same "
                            + "Idempotency-Key, which answers them as they were and runs the rest)");
                }
                failed.add(new BulkFailed(op.id(), e.code().code(), e.getMessage(), e.job()));
            } catch (RuntimeException e) {
                LOG.error("bulk {} of job {} failed", op.action(), Ids.abbreviate(op.id()), e);
                failed.add(new BulkFailed(op.id(), ErrorCode.INTERNAL.code(), "the operation failed unexpectedly; "
                        + "it was logged", null));
            }
        }
        return new BulkResult(succeeded, failed);
    }

    /**
     * A bulk that ran past its budget starts no more operations. Under a key it is a 503 (its
     * resend with the same key answers what committed and runs the rest); without one, the
     * operations not started are reported in {@code failed} as {@code unavailable}, to send again.
     */
    private void outOfTime(List<Requests.BulkOperation> operations, int from, IdempotencyKeys.Taken taken,
                           int committed, List<BulkFailed> failed) {
        String why = "this bulk ran past " + bulkBudgetMs + " ms (the database is slow)";
        if (taken != null) {
            throw new BatonException(ErrorCode.UNAVAILABLE, why + " after " + committed + " of its " + operations.size()
                    + " operations had committed: send it again with the same Idempotency-Key, which answers them "
                    + "as they were and runs the rest");
        }
        for (int j = from; j < operations.size(); j++) {
            failed.add(new BulkFailed(operations.get(j).id(), ErrorCode.UNAVAILABLE.code(), "not attempted: " + why
                    + "; send this operation again", null));
        }
    }

    private BulkSucceeded apply(Requests.BulkOperation op, Actor actor) {
        Job job = switch (op.action()) {
            case "cancel" -> cancel(op.id(), new Requests.Cancel(op.expectedVersion(), null), actor.inBulk());
            case "retry" -> retry(op.id(), new Requests.Retry(op.expectedVersion(), null, null), actor.inBulk());
            default -> update(op.id(), withVersion(op.changes(), op.expectedVersion()), actor.inBulk());
        };
        return new BulkSucceeded(job.id(), job.version());
    }

    private static Requests.Patch withVersion(Requests.Patch p, Long expectedVersion) {
        Long version = expectedVersion != null ? expectedVersion : p.expectedVersion();
        return new Requests.Patch(version, p.priority(), p.runAt(), p.payload(), p.maxAttempts(), p.labels());
    }

    /**
     * The job, locked for a change at {@code expectedVersion} (any, when null). A job at another
     * version is refused without taking its lock: versions only grow, so it can never match, and
     * the refusal need not wait for whoever holds the row.
     */
    private Job lockedForChange(Connection c, long jobId, String id, Long expectedVersion) throws SQLException {
        Job current = expectedVersion == null ? edits.findForUpdate(c, jobId)
                : edits.findForUpdateIfVersion(c, jobId, expectedVersion);
        if (current != null) {
            return current;
        }
        Job now = expectedVersion == null ? null : edits.find(c, jobId);
        if (now == null) {
            throw BatonException.noJob(id);
        }
        metrics.refused(Refusal.VERSION_CONFLICT);
        throw BatonException.conflict(ErrorCode.VERSION_CONFLICT, "expectedVersion " + expectedVersion
                + " is not the job's current version " + now.version(), now);
    }
}
