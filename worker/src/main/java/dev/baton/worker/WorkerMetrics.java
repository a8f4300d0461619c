package dev.baton.worker;

import java.time.Duration;

/**
 * What this worker did, as meters. The library works without Micrometer on the class path: a
 * worker built without {@link Worker.Builder#meterRegistry} uses {@link #NONE}, and only
 * {@link MicrometerWorkerMetrics} (loaded when a registry is passed) touches Micrometer's classes.
 * Tags are the job type and an outcome, never a job id (docs/protocol.md, "Worker metrics").
 */
interface WorkerMetrics {
    /** How a handler's attempt ended, as the {@code outcome} tag of {@code baton_worker_handler_seconds}. */
    enum Outcome {
        SUCCEEDED("succeeded"), FAILED("failed"), LEASE_LOST("lease_lost"), CANCELLED("cancelled");

        final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }
    }

    WorkerMetrics NONE = new WorkerMetrics() {
    };

    /** Where the gauge {@code baton_worker_jobs_running} reads from; called once, at build. */
    default void runningJobs(java.util.function.IntSupplier running) {
    }

    default void handled(String type, Outcome outcome, Duration took) {
    }

    /** A heartbeat a coordinator acknowledged ({@code sent}) or did not ({@code lost}). */
    default void heartbeat(boolean acknowledged) {
    }

    /** A {@code POST /completions} a coordinator answered, carrying {@code items} completions. */
    default void completionBatch(int items) {
    }

    /** A request sent again because no coordinator answered it (claim, completions, complete, fail, logs, progress). */
    default void requestRetried() {
    }

    /** The client moved to the next coordinator URL. */
    default void failover() {
    }

    /** The worker closed: its running jobs leave the gauge (the counters stay). */
    default void close() {
    }
}
