package dev.baton.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Json;
import dev.baton.common.LogLevel;
import dev.baton.common.Requests;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one job on this worker: the handler on its own virtual thread, heartbeats
 * every leaseMs/3, progress and logs flushed in the background, then exactly one complete or
 * fail, resent until answered. Once the lease is lost, nothing more is sent for it.
 */
final class JobRun implements JobContext {
    private static final Logger LOG = LoggerFactory.getLogger(JobRun.class);
    static final int LOG_BATCH = 100;
    static final long FLUSH_MS = 200;

    private record PendingProgress(long current, Long total, String message) {
    }

    private final Job job;
    private final String token;
    private final BatonClient client;
    private final long leaseMs;
    private final Timers timers;
    private final Completions completions;
    private final WorkerMetrics metrics;
    private final JobTracing tracing;
    private final AtomicReference<PendingProgress> pendingProgress = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Requests.LogLine> logBuffer = new ConcurrentLinkedQueue<>();
    private final AtomicInteger nextSeq = new AtomicInteger(1);
    private final ReentrantLock flushLock = new ReentrantLock();
    // The lines taken from the buffer and not yet acknowledged, as the batches still to send: one
    // batch normally, its halves after a refusal (see flushLogs).
    private final ArrayDeque<List<Requests.LogLine>> inflightLogs = new ArrayDeque<>();
    private long knownVersion;
    private volatile boolean lost;
    // Why the lease was lost, when a 409 said so: the job was cancelled (else expired or taken over).
    private volatile boolean cancelled;
    // How the attempt ended, for baton_worker_handler_seconds; settle() may change it.
    private WorkerMetrics.Outcome outcome;
    private volatile Thread handlerThread;
    private ScheduledFuture<?> flushes;
    private boolean handlerDone;
    /** Run once the handler's outcome is handed over (or there is none to hand): its slot may take the next job. */
    private Runnable finished = () -> {
    };

    JobRun(Job job, BatonClient client, Completions completions, long leaseMs, Timers timers) {
        this(job, client, completions, leaseMs, timers, WorkerMetrics.NONE, JobTracing.NONE);
    }

    JobRun(Job job, BatonClient client, Completions completions, long leaseMs, Timers timers, WorkerMetrics metrics,
           JobTracing tracing) {
        this.metrics = metrics;
        this.tracing = tracing;
        this.job = job;
        this.token = job.leaseToken();
        this.client = client;
        this.leaseMs = leaseMs;
        this.timers = timers;
        this.completions = completions;
        this.knownVersion = job.version();
    }

    /**
     * Frees the job's slot early: {@code finished} runs once the handler returned and its outcome
     * is handed over (a completion queued for the group commit, a fail about to be sent), so the
     * next job may start while the answer is on its way. It runs at most once.
     */
    JobRun onFinished(Runnable finished) {
        AtomicBoolean ran = new AtomicBoolean();
        this.finished = () -> {
            if (ran.compareAndSet(false, true)) {
                finished.run();
            }
        };
        return this;
    }

    void run(JobHandler handler) {
        try {
            runHandler(handler);
        } finally {
            finished.run();
        }
    }

    private void runHandler(JobHandler handler) {
        handlerThread = Thread.currentThread();
        ScheduledFuture<?> heartbeats = timers.every(leaseMs / 3, this::heartbeat);
        Object result = null;
        Throwable failure = null;
        long started = System.nanoTime();
        try {
            result = tracing.handle(job, () -> handler.handle(this));
        } catch (Throwable t) {
            failure = t;
        } finally {
            stopFlushing();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        outcome = failure == null ? WorkerMetrics.Outcome.SUCCEEDED : WorkerMetrics.Outcome.FAILED;
        try {
            if (lost) {
                LOG.info("job {} attempt {}: lease lost; its outcome belongs to someone else", job.id(), job.attempt());
                return;
            }
            Thread.interrupted(); // a stray interrupt must not abort the final requests
            flushUntilSent();
            if (failure == null) {
                JsonNode resultJson = Json.mapper().valueToTree(result);
                settle(() -> complete(resultJson));
            } else {
                Requests.FailError error = new Requests.FailError(
                        truncate(failure.getMessage() == null ? failure.toString() : failure.getMessage()),
                        failure.getClass().getSimpleName(), !(failure instanceof NonRetryableException));
                finished.run();
                settle(() -> client.fail(job.id(), new Requests.Fail(token, error, null)));
            }
        } finally {
            heartbeats.cancel(false);
            if (lost) {
                outcome = cancelled ? WorkerMetrics.Outcome.CANCELLED : WorkerMetrics.Outcome.LEASE_LOST;
            }
            metrics.handled(job.type(), outcome, took);
        }
    }

    /** Through the worker's group commit: one POST /completions carries every job finished meanwhile. */
    private void complete(JsonNode result) {
        try {
            completions.complete(job.id(), token, result, finished);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BatonClient.Unavailable("interrupted", e);
        }
    }

    // The flush timer starts with the first progress or log line: a job that reports neither
    // (most short jobs) costs the timer nothing. It stops when the handler returns.
    private synchronized void startFlushing() {
        if (flushes == null && !handlerDone) {
            flushes = timers.every(FLUSH_MS, this::flushQuietly);
        }
    }

    private synchronized void stopFlushing() {
        handlerDone = true;
        if (flushes != null) {
            flushes.cancel(false);
        }
    }

    /** Sends complete or fail until a coordinator answers; both are idempotent by protocol. */
    private void settle(Runnable request) {
        for (int attempt = 0; !lost; attempt++) {
            try {
                request.run();
                return;
            } catch (BatonClient.Conflict c) {
                LOG.warn("job {}: {}; another lease owns the outcome", job.id(), c.getMessage());
                noteConflict(c);
                lost = true;
                return;
            } catch (BatonClient.Rejected r) {
                LOG.error("job {}: the coordinator refused the outcome: {}", job.id(), r.getMessage());
                if (r.code.equals("payload_too_large")) {
                    outcome = WorkerMetrics.Outcome.FAILED;
                    request = () -> client.fail(job.id(), new Requests.Fail(token, new Requests.FailError(
                            "result rejected: " + r.getMessage(), "result_too_large", false), null));
                    continue;
                }
                return;
            } catch (BatonClient.Unavailable u) {
                if (!Retry.sleep(Retry.delayMs(attempt, 100, 5000))) {
                    return;
                }
                metrics.requestRetried();
            }
        }
    }

    private void heartbeat() {
        if (lost) {
            return;
        }
        try {
            client.heartbeat(job.id(), new Requests.Heartbeat(token, leaseMs));
            metrics.heartbeat(true);
        } catch (BatonClient.Conflict c) {
            metrics.heartbeat(false);
            noteConflict(c);
            loseLease();
        } catch (RuntimeException e) {
            metrics.heartbeat(false);
            LOG.debug("job {}: heartbeat not answered ({}); the next one tries again", job.id(), e.getMessage());
        }
    }

    /** Notes why a 409 ends the lease (for the handler's outcome tag), before {@link #loseLease}. */
    private void noteConflict(BatonClient.Conflict c) {
        if (!lost && c.job != null && c.job.status() == JobStatus.CANCELLED) {
            cancelled = true;
        }
    }

    private void loseLease() {
        if (!lost) {
            lost = true;
            pendingProgress.set(null);
            logBuffer.clear();
            Thread t = handlerThread;
            if (t != null) {
                t.interrupt();
            }
        }
    }

    /** From the timer: skipped while another flush of this job is under way. */
    private void flushQuietly() {
        if (!flushLock.tryLock()) {
            return;
        }
        try {
            flushLogs();
            flushProgress();
        } catch (RuntimeException e) {
            LOG.debug("job {}: flush deferred ({})", job.id(), e.getMessage());
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Before complete or fail: every buffered line and the newest progress must be acknowledged.
     * It flushes at least once, even with nothing pending: that waits for a timer's flush under
     * way (its progress taken out of {@code pendingProgress}, not yet acknowledged), which the
     * outcome would otherwise overtake, leaving the job with an older progress.
     */
    private void flushUntilSent() {
        for (int attempt = 0; !lost && (attempt == 0 || !logBuffer.isEmpty() || !inflightLogs.isEmpty()
                || pendingProgress.get() != null); attempt++) {
            try {
                flush();
            } catch (BatonClient.Unavailable u) {
                Retry.sleep(Retry.delayMs(attempt, 100, 2000));
                metrics.requestRetried();
            }
        }
    }

    private void flush() {
        flushLock.lock();
        try {
            flushLogs();
            flushProgress();
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Sends the buffered lines in batches of up to 100. A batch the coordinator refuses as a whole
     * because of some of its lines (400, 413 over the per-attempt cap, 409 log_conflict) is split
     * in halves and each half sent again, down to single lines: only the refused lines are dropped.
     */
    private void flushLogs() {
        while (!lost) {
            if (inflightLogs.isEmpty()) {
                List<Requests.LogLine> batch = new ArrayList<>(LOG_BATCH);
                Requests.LogLine line;
                while (batch.size() < LOG_BATCH && (line = logBuffer.poll()) != null) {
                    batch.add(line);
                }
                if (batch.isEmpty()) {
                    return;
                }
                inflightLogs.add(batch);
            }
            List<Requests.LogLine> batch = inflightLogs.peekFirst();
            try {
                client.logs(job.id(), new Requests.LogAppend(token, batch));
                inflightLogs.pollFirst(); // acknowledged; a resend of it would only count duplicates
            } catch (BatonClient.Conflict c) {
                if (c.code.equals("log_conflict")) {
                    refused(batch, c.getMessage());
                } else {
                    noteConflict(c);
                    loseLease();
                }
            } catch (BatonClient.Rejected r) {
                refused(batch, r.getMessage());
            }
        }
    }

    private void refused(List<Requests.LogLine> batch, String why) {
        inflightLogs.pollFirst();
        if (batch.size() == 1) {
            LOG.warn("job {}: log line {} refused ({}); dropped", job.id(), batch.get(0).seq(), why);
            return;
        }
        int half = batch.size() / 2;
        inflightLogs.addFirst(List.copyOf(batch.subList(half, batch.size())));
        inflightLogs.addFirst(List.copyOf(batch.subList(0, half)));
    }

    private void flushProgress() {
        PendingProgress p = pendingProgress.getAndSet(null);
        for (int conflicts = 0; p != null && !lost; ) {
            try {
                knownVersion = client.progress(job.id(), new Requests.ProgressUpdate(token, knownVersion, p.current(),
                        p.total(), p.message())).version();
                return;
            } catch (BatonClient.Conflict c) {
                if (c.leaseLost() || c.job == null || ++conflicts > 3) {
                    if (c.leaseLost()) {
                        noteConflict(c);
                        loseLease();
                    }
                    return;
                }
                knownVersion = c.job.version();
                Retry.sleep(Retry.delayMs(conflicts, 20, 500));
            } catch (BatonClient.Unavailable u) {
                pendingProgress.compareAndSet(null, p); // keep it, unless a newer value arrived meanwhile
                throw u;
            } catch (BatonClient.Rejected r) {
                LOG.warn("job {}: progress refused ({})", job.id(), r.getMessage());
                return;
            }
        }
    }

    @Override
    public String jobId() {
        return job.id();
    }

    @Override
    public String type() {
        return job.type();
    }

    @Override
    public int attempt() {
        return job.attempt();
    }

    @Override
    public JsonNode payload() {
        return job.payload();
    }

    @Override
    public <T> T payload(Class<T> type) {
        try {
            return Json.mapper().treeToValue(job.payload(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("payload does not fit " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public void progress(long current, Long total, String message) {
        checkpoint();
        pendingProgress.set(new PendingProgress(current, total, message));
        startFlushing();
    }

    @Override
    public void log(LogLevel level, String message) {
        checkpoint();
        String refusal = LogLines.refusal(message);
        if (refusal != null) {
            LOG.warn("job {}: log line not sent: {}", job.id(), refusal);
            return;
        }
        logBuffer.add(new Requests.LogLine(nextSeq.getAndIncrement(), level, message));
        startFlushing();
        if (logBuffer.size() >= LOG_BATCH) {
            timers.execute(this::flushQuietly);
        }
    }

    @Override
    public void checkpoint() {
        if (lost) {
            throw new LeaseLostException(job.id());
        }
    }

    boolean lost() {
        return lost;
    }

    private static String truncate(String s) {
        return s.length() > 8000 ? s.substring(0, 8000) + "…" : s;
    }
}
