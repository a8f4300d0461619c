package dev.baton.worker;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One platform timer thread that only dispatches; the work (HTTP calls that may block) runs on
 * virtual threads, so a slow coordinator delays no other job's heartbeat.
 */
final class Timers implements AutoCloseable {
    private final ScheduledThreadPoolExecutor timer = timer();
    private final ExecutorService work = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("baton-io-", 0).factory());

    // A cancelled task leaves the queue at once: a worker finishing thousands of short jobs a
    // second would otherwise keep every one's heartbeat task until it came due.
    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("baton-timer").factory());
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    ScheduledFuture<?> every(long periodMs, Runnable task) {
        return timer.scheduleWithFixedDelay(() -> work.execute(task), periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    void execute(Runnable task) {
        work.execute(task);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        work.shutdownNow();
    }
}
