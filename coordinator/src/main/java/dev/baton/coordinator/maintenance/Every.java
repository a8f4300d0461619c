package dev.baton.coordinator.maintenance;

import dev.baton.coordinator.error.BatonException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One duty's step, run on the duty's own daemon thread a fixed delay after the previous pass
 * ended (so a slow pass never piles up behind itself). A failing pass (any Throwable: an Error
 * escaping a scheduled task would end the timer for good, silently) is logged once per streak of
 * failures, at WARN, and the pass that succeeds again at INFO; the passes between are logged at
 * DEBUG. {@link #stop} lets a pass in flight end (up to {@link #STOP_WAIT}) before it interrupts
 * it, and drops the one-off tasks still waiting.
 *
 * <p>Tests call the owner's step directly (the steps are guarded statements, safe to run
 * alongside the timer's pass), or wait for the timer's next pass with {@link #awaitPass}, instead
 * of waiting out the delay.
 */
public final class Every {
    /** How long {@link #stop} waits for a pass in flight to end before it interrupts it. */
    static final Duration STOP_WAIT = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(Every.class);
    private final String name;
    private final Runnable step;
    private final ScheduledThreadPoolExecutor thread;
    private final Object passes = new Object();
    /** Passes started, and passes ended (failed or not); guarded by {@link #passes}. */
    private long started;
    private long ended;
    /** Failed passes in a row; touched on the duty's thread only. */
    private long failing;

    private Every(String name, Runnable step) {
        this.name = name;
        this.step = step;
        this.thread = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name(name).factory());
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        thread.setRemoveOnCancelPolicy(true);
    }

    /**
     * Starts running {@code step} on a thread named {@code name}: first after {@code first}, then
     * {@code delay} after each pass ends. {@code step} reports a failed pass by throwing.
     */
    public static Every start(String name, Duration first, Duration delay, Runnable step) {
        Every every = new Every(name, step);
        every.thread.scheduleWithFixedDelay(every::pass, first.toMillis(), delay.toMillis(), TimeUnit.MILLISECONDS);
        return every;
    }

    /**
     * Runs a first pass of {@code step} now, on the caller's thread (so that what it sets up is
     * there when the caller returns), then as {@link #start} does, {@code delay} after each pass.
     */
    public static Every startNow(String name, Duration delay, Runnable step) {
        Every every = new Every(name, step);
        every.pass();
        every.thread.scheduleWithFixedDelay(every::pass, delay.toMillis(), delay.toMillis(), TimeUnit.MILLISECONDS);
        return every;
    }

    /** Runs {@code task} once, {@code delay} from now, on the duty's thread (unless the duty stopped by then). */
    public void once(Duration delay, Runnable task) {
        try {
            thread.schedule(() -> runOnce(task), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            LOG.debug("{}: stopped; a one-off task is dropped", name);
        }
    }

    /**
     * A test signal: waits until a pass that starts after this call has ended, failed or not;
     * returns false if none did within {@code timeout}.
     */
    public boolean awaitPass(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (passes) {
            // A pass running now may have read the rows before the caller changed them: wait for the next one.
            long target = started + 1;
            while (ended < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(passes, left);
            }
            return true;
        }
    }

    // What a scheduled task throws is kept in its Future, which no one reads: log it here instead.
    private void runOnce(Runnable task) {
        try {
            task.run();
        } catch (Throwable e) {
            LOG.warn("{}: a one-off task failed", name, e);
        }
    }

    private void pass() {
        synchronized (passes) {
            started++;
        }
        try {
            step.run();
            if (failing > 0) {
                LOG.info("{}: a pass succeeded again after {} failed one(s)", name, failing);
                failing = 0;
            }
        } catch (Throwable e) {
            failed(e);
        } finally {
            synchronized (passes) {
                ended++;
                passes.notifyAll();
            }
        }
    }

    private void failed(Throwable e) {
        failing++;
        if (thread.isShutdown()) {
            LOG.debug("{}: the pass stopped with the coordinator: {}", name, e.toString());
        } else if (failing > 1) {
            LOG.debug("{}: pass {} in a row failed: {}", name, failing, e.toString());
        } else if (e instanceof BatonException) {
            // A refusal Baton knows (the database unavailable, say): its message says it all.
            LOG.warn("{}: a pass failed, logged again when one succeeds: {}", name, e.getMessage());
        } else {
            LOG.warn("{}: a pass failed, logged again when one succeeds", name, e);
        }
    }

    /** Stops the timer: the pass in flight may end, up to {@link #STOP_WAIT}; no pass or one-off task starts after this. */
    public void stop() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("{}: a pass was still running {} ms after the stop; interrupting it", name, STOP_WAIT.toMillis());
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
