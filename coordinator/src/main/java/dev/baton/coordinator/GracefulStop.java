package dev.baton.coordinator;

import dev.baton.coordinator.jobrunr.JobRunrStop;
import dev.baton.coordinator.jobrunr.JobRunrWatchdog;
import dev.baton.coordinator.maintenance.ExpiredLeaseReaper;
import dev.baton.coordinator.maintenance.IdempotencyKeyPruner;
import dev.baton.coordinator.schedule.ScheduleReconciler;
import dev.baton.coordinator.schedule.ScheduleTicker;
import dev.baton.coordinator.service.LogTail;
import dev.baton.coordinator.service.Readiness;
import dev.baton.coordinator.service.Wakeups;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.server.netty.NettyEmbeddedServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import org.jobrunr.server.BackgroundJobServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a coordinator stops, one step after the other, all within {@code BATON_SHUTDOWN_TIMEOUT_MS}:
 * <ol>
 *   <li>{@code GET /health/ready} answers 503 ({@link Readiness}), and for BATON_SHUTDOWN_UNREADY_MS
 *       (0 by default) everything else is served as before, so that a load balancer polling it
 *       takes the coordinator out of rotation before it stops accepting;</li>
 *   <li>no job is handed out any more: waiting claims answer {@code {"jobs": []}} at once, and so
 *       does any claim still arriving;</li>
 *   <li>the HTTP server takes no new connection and the requests in flight finish (log streams
 *       end, so that followers reconnect elsewhere);</li>
 *   <li>the timers (lease reaper, schedule reconciler and ticker, idempotency-key pruner, JobRunr's
 *       watchdog) stop, each after its pass in flight, then JobRunr ({@link JobRunrStop}: its steward before its workers);</li>
 *   <li>the rest of the context closes: the HTTP server, the connection pool, the Redis client;</li>
 *   <li>the spans still buffered are sent (tracing on: BATON_OTLP_ENDPOINT), for at most 5 s;</li>
 *   <li>embedded Redis and PostgreSQL stop, last, when nothing uses them.</li>
 * </ol>
 * Requests in flight get the bound less {@link #RESERVE_MS} (at most half of it), the rest being
 * for steps 3 to 5. When the bound passes, what is still running is logged and the embedded
 * servers are stopped at once.
 */
final class GracefulStop {
    private static final Logger LOG = LoggerFactory.getLogger(GracefulStop.class);
    static final long RESERVE_MS = 5000;

    private static final long SPAN_FLUSH_MS = 5000;
    private final ApplicationContext context;
    private final LongConsumer flushSpans;
    private final List<LongConsumer> embedded;
    private final long boundMs;
    private final long unreadyMs;
    private volatile long startNanos;
    private volatile String step = "not started";
    /** False once a request had to be cut off or a step failed: the stop then ends in exit status 1. */
    private volatile boolean clean = true;

    /**
     * {@code flushSpans} sends the spans still buffered within the milliseconds it is given;
     * {@code embedded}: each stops one embedded server within the milliseconds it is given, in this order.
     */
    GracefulStop(ApplicationContext context, LongConsumer flushSpans, List<LongConsumer> embedded, long boundMs,
                 long unreadyMs) {
        this.context = context;
        this.flushSpans = flushSpans;
        this.unreadyMs = unreadyMs;
        this.embedded = embedded;
        this.boundMs = boundMs;
    }

    /** Runs the steps; returns true when all of them finished within the bound. */
    boolean run() {
        startNanos = System.nanoTime();
        LOG.info("coordinator stopping, within {} ms (BATON_SHUTDOWN_TIMEOUT_MS)", boundMs);
        Thread steps = Thread.ofPlatform().name("coordinator-stop-steps").start(this::steps);
        try {
            if (steps.join(Duration.ofMillis(Math.max(1, boundMs - elapsedMs())))) {
                if (clean) {
                    LOG.info("coordinator stopped in {} ms", elapsedMs());
                } else {
                    LOG.warn("coordinator stopped in {} ms, not cleanly (see above)", elapsedMs());
                }
                return clean;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.error("coordinator did not stop within BATON_SHUTDOWN_TIMEOUT_MS={} ms; still running: {} at\n  {}",
                boundMs, step, Arrays.stream(steps.getStackTrace()).map(String::valueOf)
                        .collect(Collectors.joining("\n  ")));
        embedded.forEach(stop -> stop.accept(1000));
        return false;
    }

    private long elapsedMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private void steps() {
        long drainMs = boundMs - Math.min(RESERVE_MS, boundMs / 2);
        long drainUntil = startNanos + TimeUnit.MILLISECONDS.toNanos(drainMs);
        try {
            step = "answering not ready";
            context.findBean(Readiness.class).ifPresent(Readiness::stop);
            if (unreadyMs > 0) {
                LOG.info("stopping: /health/ready answers 503; still serving for {} ms (BATON_SHUTDOWN_UNREADY_MS)",
                        unreadyMs);
                Thread.sleep(unreadyMs);
            }
            step = "handing out no more jobs";
            LOG.info("stopping: no more jobs handed out; requests in flight get up to {} ms", drainMs);
            context.findBean(Wakeups.class).ifPresent(Wakeups::stopHandingOut);
            step = "waiting for requests in flight";
            context.findBean(NettyEmbeddedServer.class).ifPresent(server -> drain(server, drainUntil));
            step = "stopping the timers and JobRunr";
            destroy(ExpiredLeaseReaper.class);
            destroy(ScheduleReconciler.class);
            destroy(ScheduleTicker.class);
            destroy(IdempotencyKeyPruner.class);
            destroy(JobRunrWatchdog.class); // before JobRunr stops: it would start the server again
            context.findBean(BackgroundJobServer.class).ifPresent(JobRunrStop::stop);
            step = "closing the HTTP server, the connection pool and the Redis client";
            if (context.isRunning()) {
                context.close();
            }
        } catch (RuntimeException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            clean = false;
            LOG.warn("stopping: {} failed; going on", step, e);
            if (context.isRunning()) {
                context.close();
            }
        } finally {
            step = "sending the last spans";
            try {
                flushSpans.accept(Math.max(100, Math.min(SPAN_FLUSH_MS, boundMs - elapsedMs() - 1000)));
            } catch (RuntimeException e) {
                LOG.warn("stopping: sending the last spans failed; going on", e);
            }
            // Whatever happened above, the embedded servers must not outlive the coordinator.
            step = "stopping embedded Redis and PostgreSQL";
            embedded.forEach(stop -> stop.accept(Math.max(1000, boundMs - elapsedMs())));
            step = "done";
        }
    }

    private void drain(NettyEmbeddedServer server, long until) {
        CompletableFuture<?> drained = server.shutdownGracefully().toCompletableFuture();
        // After the listener is closed no new stream can start; end the open ones.
        destroy(LogTail.class);
        try {
            drained.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            clean = false;
            LOG.warn("{} connection(s) still had a request in flight at the drain's end; closing them",
                    server.reportActiveTasks().orElse(-1));
        } catch (Exception e) {
            LOG.warn("waiting for requests in flight: {}", e.toString());
        }
    }

    private <T> void destroy(Class<T> type) {
        if (context.isRunning() && context.findBean(type).isPresent()) {
            context.destroyBean(type);
        }
    }
}
