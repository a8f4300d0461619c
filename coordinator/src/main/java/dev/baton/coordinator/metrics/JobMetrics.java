package dev.baton.coordinator.metrics;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;

/**
 * What happened to jobs, as counters and histograms tagged by queue and type (never by job: a
 * series per job would grow without bound; queues and types are few and chosen by the user).
 * The services call it only for what committed ({@code Db.afterCommit}), so a counter here equals
 * what the database recorded (docs/protocol.md lists each series with the events it matches).
 * Each call is a map lookup and an increment: no SQL, nothing that can fail a request.
 */
@Singleton
public final class JobMetrics {
    /** Why a worker's or an admin's request was refused (or answered without a change). */
    public enum Refusal {
        LEASE_LOST("lease_lost"), VERSION_CONFLICT("version_conflict"), LOG_CONFLICT("log_conflict"),
        DEDUPLICATED("deduplicated");

        private final String tag;

        Refusal(String tag) {
            this.tag = tag;
        }
    }

    /** An attempt the reaper ended: its lease ran out, or it ran past the job's timeout. */
    public enum Ended {
        LEASE_EXPIRED, TIMED_OUT
    }

    private static final Duration LONGEST = Duration.ofHours(24);
    private final MeterRegistry registry;

    public JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void enqueued(Job job) {
        count("baton.jobs.enqueued", "Jobs created (by producers, batches and schedule ticks)", job);
    }

    /** Counts the claim and records how long the job waited since it was due. */
    public void claimed(Job job) {
        count("baton.jobs.claimed", "Attempts started: jobs handed to a worker", job);
        if (job.startedAt() != null) {
            Instant due = job.runAt().isAfter(job.createdAt()) ? job.runAt() : job.createdAt();
            timer("baton.job.wait", "From due (runAt, or creation if later) to claimed", job)
                    .record(nonNegative(due, job.startedAt()));
        }
    }

    public void succeeded(Job job) {
        succeeded(job.queue(), job.type(), job.startedAt(), job.finishedAt());
    }

    /** As {@link #succeeded(Job)}, from the few columns a batch of completions reads back. */
    public void succeeded(String queue, String type, Instant startedAt, Instant finishedAt) {
        count("baton.jobs.succeeded", "Jobs completed by their worker", queue, type);
        ran(queue, type, startedAt, finishedAt, "succeeded");
    }

    /**
     * A worker failed its attempt: {@code after} is the job as the fail left it (queued again for
     * a retry, or failed for good).
     */
    public void attemptFailed(Job after) {
        if (after.status() == JobStatus.QUEUED) {
            retried(after.queue(), after.type());
            ran(after, "retried");
        } else {
            failed(after.queue(), after.type());
            ran(after, "failed");
        }
    }

    /** The reaper ended an attempt; {@code requeued}: the job was queued again, else it failed for good. */
    public void attemptEnded(String queue, String type, Ended why, boolean requeued) {
        if (why == Ended.LEASE_EXPIRED) {
            count("baton.jobs.lease.expired", "Attempts ended because their lease ran out without a heartbeat",
                    queue, type);
        } else {
            count("baton.jobs.timed.out", "Attempts ended because they ran past the job's timeout", queue, type);
        }
        if (requeued) {
            if (why == Ended.TIMED_OUT) {
                retried(queue, type);
            }
        } else {
            failed(queue, type);
        }
    }

    public void cancelled(Job job) {
        count("baton.jobs.cancelled", "Jobs cancelled by an admin", job);
    }

    public void refused(Refusal why) {
        Counter.builder("baton.completions.refused").description("Worker and admin requests refused with a 409 "
                        + "(lease_lost, version_conflict, log_conflict) or answered from an earlier identical "
                        + "request without a change (deduplicated)")
                .tag("reason", why.tag).register(registry).increment();
    }

    /**
     * A waiting claim woke to look again: {@code source} local (a job enqueued here), redis
     * (another coordinator's signal), stop, or poll (its poll interval passed without a signal:
     * with Redis up, many of these mean wake-ups are being lost).
     */
    public void claimWokeUp(String source) {
        Counter.builder("baton.claim.wakeups").description("Long-polling claims woken to look for work again, by what "
                + "woke them").tag("source", source).register(registry).increment();
    }

    private void retried(String queue, String type) {
        count("baton.jobs.retried", "Failed or timed-out attempts whose job was queued again for a retry", queue, type);
    }

    private void failed(String queue, String type) {
        count("baton.jobs.failed", "Jobs that failed for good (worker failure, or an ended attempt, with no "
                + "attempt left)", queue, type);
    }

    /** The attempt's run time, start to finish, from the row's own timestamps. */
    private void ran(Job job, String outcome) {
        ran(job.queue(), job.type(), job.startedAt(), job.finishedAt() != null ? job.finishedAt() : job.updatedAt(),
                outcome);
    }

    private void ran(String queue, String type, Instant startedAt, Instant end, String outcome) {
        if (startedAt == null || end == null) {
            return;
        }
        Timer.builder("baton.job.run").description("An attempt's run time, from claimed to completed or failed")
                .tags("queue", queue, "type", type, "outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(LONGEST)
                .register(registry).record(nonNegative(startedAt, end));
    }

    private Timer timer(String name, String description, Job job) {
        return Timer.builder(name).description(description).tags("queue", job.queue(), "type", job.type())
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(LONGEST)
                .register(registry);
    }

    private void count(String name, String description, Job job) {
        count(name, description, job.queue(), job.type());
    }

    private void count(String name, String description, String queue, String type) {
        Counter.builder(name).description(description).tags("queue", queue, "type", type).register(registry)
                .increment();
    }

    /** Clocks of two rows written by one database agree, but a negative span would be a bug's sign, never a value. */
    private static Duration nonNegative(Instant from, Instant to) {
        Duration d = Duration.between(from, to);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
