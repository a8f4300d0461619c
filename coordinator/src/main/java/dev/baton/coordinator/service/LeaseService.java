package dev.baton.coordinator.service;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.Responses.CompletionResult;
import dev.baton.common.Responses.HeartbeatAnswer;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.JobClaims;
import dev.baton.coordinator.db.JobLeases;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.db.QueueLimits;
import dev.baton.coordinator.db.Settlement;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.metrics.JobMetrics;
import dev.baton.coordinator.metrics.JobMetrics.Refusal;
import dev.baton.coordinator.tracing.TraceHeaders;
import dev.baton.coordinator.tracing.Tracing;
import dev.baton.coordinator.tracing.Tracing.Settled;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of a job's life: claim, heartbeat, complete, fail. The database decides every
 * race; this class only turns a guarded statement's empty answer into the right refusal.
 */
@Singleton
public final class LeaseService {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseService.class);
    private final Db db;
    private final JobClaims claims;
    private final JobLeases leases;
    private final JobQueries queries;
    private final Wakeups wakeups;
    private final JobFactory factory;
    private final QueueLimits limits;
    private final WorkerSightings registry;
    private final long pollNanos;
    private final JobMetrics metrics;
    private final Tracing tracing;

    public LeaseService(Db db, JobClaims claims, JobLeases leases, JobQueries queries, Wakeups wakeups,
                        JobFactory factory, QueueLimits limits, WorkerSightings registry, Settings settings,
                        JobMetrics metrics, Tracing tracing) {
        this.db = db;
        this.tracing = tracing;
        this.metrics = metrics;
        this.claims = claims;
        this.leases = leases;
        this.queries = queries;
        this.wakeups = wakeups;
        this.factory = factory;
        this.limits = limits;
        this.registry = registry;
        this.pollNanos = TimeUnit.MILLISECONDS.toNanos(settings.pollIntervalMs());
    }

    /**
     * Claims up to {@code limit} jobs, waiting up to {@code waitMs} for one. A waiting claim holds
     * no connection: it sleeps on a {@link Wakeups.Waiter} between attempts.
     */
    public List<Job> claim(Requests.Claim r) throws InterruptedException {
        return claim(r, () -> true);
    }

    /**
     * As {@link #claim(Requests.Claim)}, asking {@code tokenStillValid} before every look but the
     * first (the request was just authenticated): a claim whose token is revoked or expires while
     * it waits is answered 401 and handed nothing.
     */
    public List<Job> claim(Requests.Claim r, BooleanSupplier tokenStillValid) throws InterruptedException {
        checkClaim(r);
        int limit = Objects.requireNonNullElse(r.limit(), 1);
        long leaseMs = Objects.requireNonNullElse(r.leaseMs(), 30_000L);
        List<String> queues = r.queues().stream().distinct().toList();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Objects.requireNonNullElse(r.waitMs(), 0L));
        for (boolean first = true; ; first = false) {
            if (!first && !tokenStillValid.getAsBoolean()) {
                throw new BatonException(ErrorCode.UNAUTHENTICATED, "this token was revoked or expired while the claim "
                        + "waited; nothing was claimed");
            }
            // Each look refreshes the worker's entry (at most once a second is written), so a worker
            // waiting out a long poll stays listed, even if Redis connected only after it arrived.
            registry.seen(r.workerId(), queues);
            Wakeups.Waiter waiter = wakeups.register(queues);
            try {
                if (!wakeups.handingOut()) {
                    return List.of();
                }
                Instant looked = tracing.now();
                List<Job> claimed = claimOnce(r.workerId(), queues, r.types(), limit, leaseMs);
                long remaining = deadline - System.nanoTime();
                if (!claimed.isEmpty() || remaining <= 0) {
                    tracing.claimed(r.workerId(), queues, claimed, looked);
                    return claimed;
                }
                boolean signalled = waiter.await(Math.min(remaining, pollNanos));
                metrics.claimWokeUp(signalled && waiter.wokenBy() != null ? waiter.wokenBy().tag() : "poll");
            } finally {
                wakeups.unregister(waiter);
            }
        }
    }

    /**
     * A claim's own fields (400 naming each one wrong); its carried completions are checked by
     * {@link #completeMany}. Checked before anything is settled, so a refused claim changes nothing.
     */
    public void checkClaim(Requests.Claim r) {
        Checks checks = new Checks();
        checks.required("workerId", r.workerId());
        checks.length("workerId", r.workerId(), 1, 200);
        checks.required("queues", r.queues());
        if (r.queues() != null) {
            if (r.queues().isEmpty() || r.queues().size() > 50) {
                checks.fail("queues", "must name 1 to 50 queues");
            }
            r.queues().forEach(q -> checks.name("queues", Objects.requireNonNullElse(q, "")));
        }
        if (r.types() != null) {
            if (r.types().isEmpty() || r.types().size() > 100) {
                checks.fail("types", "must name 1 to 100 types, or be null for any");
            }
            r.types().forEach(t -> checks.length("types", Objects.requireNonNullElse(t, ""), 1, 200));
        }
        checks.range("limit", r.limit(), 1, 100);
        checks.range("waitMs", r.waitMs(), 0, 60_000);
        checks.range("leaseMs", r.leaseMs(), 1000, 3_600_000);
        checks.throwIfAny();
    }

    /**
     * One look for work: unlimited queues in one statement, then each capped or rated queue
     * under its row lock, sized by {@link QueueLimits}, all in one transaction (a paused queue
     * hands out nothing: the unlimited statement leaves it out, and a limited one is checked for
     * a pause under its lock, so a stale list of limited queues cannot let one through): a claim that fails
     * part way (the database lost while it waits for a queue's lock) claims nothing, rather than
     * leaving the jobs of its earlier parts running for a worker that was answered 503. Queue rows
     * are locked in name order, so claims naming the same queues cannot deadlock.
     */
    private List<Job> claimOnce(String workerId, List<String> queues, List<String> types, int limit, long leaseMs) {
        List<String> limited = limits.limited(db, queues);
        if (limited.isEmpty()) {
            return db.run(c -> counted(claims.claimAvailable(c, workerId, queues, types, limit, leaseMs)));
        }
        return db.tx(c -> {
            List<Job> claimed = new ArrayList<>();
            if (limited.size() < queues.size()) {
                claimed.addAll(claims.claimAvailable(c, workerId, queues, types, limit, leaseMs));
            }
            for (String queue : limited) {
                int wanted = limit - claimed.size();
                if (wanted <= 0) {
                    break;
                }
                claimed.addAll(limits.claimWithinLimits(c, queue, wanted,
                        room -> claims.claimFromQueue(c, workerId, queue, types, room, leaseMs)));
            }
            return counted(claimed);
        });
    }

    /** Counts the claims once they commit (at once when the statement ran on its own). */
    private List<Job> counted(List<Job> claimed) {
        if (!claimed.isEmpty()) {
            db.afterCommit(() -> claimed.forEach(metrics::claimed));
        }
        return claimed;
    }

    public HeartbeatAnswer heartbeat(String id, Requests.Heartbeat r) {
        long jobId = Ids.job(id);
        Checks checks = new Checks();
        checks.required("leaseToken", r.leaseToken());
        checks.range("leaseMs", r.leaseMs(), 1000, 3_600_000);
        checks.throwIfAny();
        return db.run(c -> {
            JobLeases.Renewal renewal = leases.extendLeaseIfHeld(c, jobId, r.leaseToken(), r.leaseMs());
            if (renewal != null) {
                registry.seen(renewal.workerId(), List.of(renewal.queue()));
                return renewal.answer();
            }
            Job current = current(c, jobId);
            metrics.refused(Refusal.LEASE_LOST);
            throw leaseLost(current);
        });
    }

    public Job complete(String id, Requests.Complete r) {
        long jobId = Ids.job(id);
        Checks checks = new Checks();
        checks.required("leaseToken", r.leaseToken());
        checks.throwIfAny();
        factory.checkStorable("result", r.result());
        String result = r.result() == null ? null : Json.write(r.result());
        factory.checkPayloadSize("result", result);
        return traced("complete", id, () -> db.run(c -> completeOne(c, jobId, r.leaseToken(), result)));
    }

    /** Runs one job's complete or fail ({@code operation}) and records its span, answered or refused (tracing on). */
    private Job traced(String operation, String id, Supplier<Job> settle) {
        Instant started = tracing.now();
        if (started == null) {
            return settle.get();
        }
        try {
            Job job = settle.get();
            tracing.settled(operation, Settled.of(job), Tracing.outcome(job), false, started);
            return job;
        } catch (BatonException e) {
            tracing.settled(operation, e.job() == null ? Settled.unknown(id) : Settled.of(e.job()), e.code().code(),
                    true, started);
            throw e;
        }
    }

    private Job completeOne(Connection c, long jobId, String leaseToken, String resultJson) throws SQLException {
        Job done = leases.completeIfLeaseHeld(c, jobId, leaseToken, resultJson);
        if (done == null) {
            return answerResend(c, jobId, leaseToken, "completed");
        }
        db.afterCommit(() -> metrics.succeeded(done));
        return done;
    }

    public Job fail(String id, Requests.Fail r) {
        long jobId = Ids.job(id);
        Checks checks = new Checks();
        checks.required("leaseToken", r.leaseToken());
        checks.required("error", r.error());
        if (r.error() != null) {
            checks.required("error.message", r.error().message());
            checks.length("error.message", r.error().message(), 0, 16 * 1024);
            checks.length("error.type", r.error().type(), 1, 200);
        }
        checks.time("retryAt", r.retryAt());
        checks.throwIfAny();
        boolean retryable = !Boolean.FALSE.equals(r.error().retryable());
        Job done = traced("fail", id, () -> db.run(c -> {
            Job failed = leases.failIfLeaseHeld(c, jobId, r.leaseToken(), r.error().message(),
                    Objects.requireNonNullElse(r.error().type(), "error"), retryable, r.retryAt());
            if (failed == null) {
                return answerResend(c, jobId, r.leaseToken(), "failed");
            }
            db.afterCommit(() -> metrics.attemptFailed(failed));
            return failed;
        }));
        if (done.status() == JobStatus.QUEUED && !done.runAt().isAfter(Instant.now())) {
            wakeups.jobsAvailable(done.queue());
        }
        return done;
    }

    /**
     * Each item judged exactly as its own complete would be; one item's refusal never touches
     * another. With {@code minimal} (the client sent {@code Prefer: return=minimal}) an item that
     * succeeded is answered without its job, and the statement reads back only ids.
     */
    public List<CompletionResult> completeMany(Requests.Completions r, boolean minimal) {
        return completeMany(r, minimal, Set.of());
    }

    /**
     * As {@link #completeMany(Requests.Completions, boolean)}, with each item whose job is in
     * {@code outOfScope} refused on its own (403 {@code forbidden}, nothing done to it).
     */
    public List<CompletionResult> completeMany(Requests.Completions r, boolean minimal, Set<Long> outOfScope) {
        return completeMany(r, minimal, outOfScope, "items");
    }

    /** As {@link #completeMany(Requests.Completions, boolean, Set)}, naming the items {@code field} in refusals. */
    public List<CompletionResult> completeMany(Requests.Completions r, boolean minimal, Set<Long> outOfScope,
                                               String field) {
        if (r.items() == null) {
            throw BatonException.invalid(field, "is required");
        }
        if (r.items().size() > JobFactory.MAX_BATCH) {
            throw new BatonException(ErrorCode.PAYLOAD_TOO_LARGE, "at most " + JobFactory.MAX_BATCH + " items");
        }
        Checks checks = new Checks();
        for (int i = 0; i < r.items().size(); i++) {
            Requests.CompletionItem item = r.items().get(i);
            if (item == null) {
                checks.fail(field + "[" + i + "]", "must be an object");
                continue;
            }
            checks.required(field + "[" + i + "].id", item.id());
            checks.required(field + "[" + i + "].leaseToken", item.leaseToken());
        }
        checks.throwIfAny();
        // Items that pass their own checks and name a job for the first time go into one statement
        // (one transaction, one commit); a repeated id is answered on its own afterwards, exactly as
        // its own complete would be after the first.
        int n = r.items().size();
        CompletionResult[] results = new CompletionResult[n];
        String[] resultJson = new String[n];
        long[] jobIds = new long[n];
        List<Integer> batched = new ArrayList<>(n);
        List<Integer> repeats = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Requests.CompletionItem item = r.items().get(i);
            try {
                factory.checkStorable("result", item.result());
                resultJson[i] = item.result() == null ? null : Json.write(item.result());
                factory.checkPayloadSize("result", resultJson[i]);
                jobIds[i] = Ids.job(item.id());
                if (outOfScope.contains(jobIds[i])) {
                    results[i] = new CompletionResult(item.id(), ErrorCode.FORBIDDEN.status(), ErrorCode.FORBIDDEN.code(),
                            null);
                    continue;
                }
                (seen.add(jobIds[i]) ? batched : repeats).add(i);
            } catch (BatonException e) {
                results[i] = refusal(item, e);
            }
        }
        if (!batched.isEmpty()) {
            List<Long> ids = batched.stream().map(i -> jobIds[i]).toList();
            List<String> tokens = batched.stream().map(i -> r.items().get(i).leaseToken()).toList();
            List<String> json = batched.stream().map(i -> resultJson[i]).toList();
            Instant started = tracing.now();
            Map<Long, Job> done = minimal ? null : db.run(c -> {
                Map<Long, Job> completed = leases.completeEachIfLeaseHeld(c, ids, tokens, json);
                db.afterCommit(() -> completed.values().forEach(metrics::succeeded));
                return completed;
            });
            List<JobLeases.Completed> completedIds = !minimal ? null : db.run(c -> {
                List<JobLeases.Completed> completed = leases.completeEachIfLeaseHeldIds(c, ids, tokens, json);
                db.afterCommit(() -> completed.forEach(j -> metrics.succeeded(j.queue(), j.type(), j.startedAt(),
                        j.finishedAt())));
                return completed;
            });
            Set<Long> doneIds = minimal ? completedIds.stream().map(JobLeases.Completed::id).collect(Collectors.toSet())
                    : done.keySet();
            if (started != null) {
                (minimal ? completedIds.stream().map(LeaseService::settled) : done.values().stream().map(Settled::of))
                        .forEach(job -> tracing.settled("complete", job, "succeeded", false, started));
            }
            for (int i : batched) {
                Requests.CompletionItem item = r.items().get(i);
                results[i] = doneIds.contains(jobIds[i])
                        ? new CompletionResult(item.id(), 200, null, minimal ? null : done.get(jobIds[i]))
                        : judged(item, minimal, c -> answerResend(c, jobIds[i], item.leaseToken(), "completed"));
            }
        }
        for (int i : repeats) {
            Requests.CompletionItem item = r.items().get(i);
            results[i] = judged(item, minimal, c -> completeOne(c, jobIds[i], item.leaseToken(), resultJson[i]));
        }
        return List.of(results);
    }

    private static Settled settled(JobLeases.Completed j) {
        return new Settled(Long.toString(j.id()), j.queue(), j.type(), j.attempt(),
                TraceHeaders.stored(j.traceparent(), j.tracestate()));
    }

    /**
     * One item's answer, looked up after the batch statement committed. A database lost by then
     * cannot fail the whole request (its other items were written): this item alone is answered
     * 503 {@code unavailable}, to be sent again.
     */
    private CompletionResult judged(Requests.CompletionItem item, boolean minimal, Db.Work<Job> work) {
        try {
            Job job = traced("complete", item.id(), () -> db.run(work));
            return new CompletionResult(item.id(), 200, null, minimal ? null : job);
        } catch (BatonException e) {
            if (e.code() == ErrorCode.UNAVAILABLE) {
                return new CompletionResult(item.id(), e.code().status(), e.code().code(), null);
            }
            return refusal(item, e);
        }
    }

    private static CompletionResult refusal(Requests.CompletionItem item, BatonException e) {
        if (e.code() == ErrorCode.UNAVAILABLE) {
            throw e;
        }
        return new CompletionResult(item.id(), e.code().status(), e.code().code(), e.job());
    }

    /**
     * The guarded statement changed nothing: either this exact request was already applied (a
     * resend whose answer was lost: answer it again, change nothing), or the lease is gone.
     */
    private Job answerResend(Connection c, long jobId, String leaseToken, String outcome) throws SQLException {
        Settlement s = leases.findSettlement(c, jobId);
        if (s == null) {
            throw BatonException.noJob(jobId);
        }
        if (leaseToken.equals(s.settledLeaseToken()) && outcome.equals(s.settledOutcome()) && s.settledAnswer() != null) {
            LOG.debug("job {}: {} again under the lease that settled it; answered as before, nothing changed", jobId,
                    outcome);
            metrics.refused(Refusal.DEDUPLICATED);
            return s.settledAnswer();
        }
        metrics.refused(Refusal.LEASE_LOST);
        throw leaseLost(s.job());
    }

    private Job current(Connection c, long jobId) throws SQLException {
        Job job = queries.find(c, jobId);
        if (job == null) {
            throw BatonException.noJob(jobId);
        }
        return job;
    }

    static BatonException leaseLost(Job job) {
        String why = switch (job.status()) {
            case RUNNING -> "the job is running under another lease, or this lease expired";
            case QUEUED -> "the lease expired and the job was queued again";
            case CANCELLED -> "the job was cancelled";
            case SUCCEEDED, FAILED -> "the job was finished by another lease";
        };
        return BatonException.conflict(ErrorCode.LEASE_LOST, "this lease is not held: " + why, job);
    }
}
