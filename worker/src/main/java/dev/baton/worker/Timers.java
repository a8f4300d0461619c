package dev.baton.worker;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One platform timer thread that only dispatches; the work (HTTP calls that may block) runs on
 * virtual threads, so a slow coordinator delays no other job's heartbeat.
 */
final class Timers implements AutoCloseable {
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("baton-timer").factory());
    private final ExecutorService work = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("baton-io-", 0).factory());

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
