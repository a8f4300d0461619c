package dev.baton.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/** {@link WorkerMetrics} on a Micrometer registry; the only class of the worker that names Micrometer. */
final class MicrometerWorkerMetrics implements WorkerMetrics {
    // Several workers may share a registry; a gauge is registered once per registry, so it sums the
    // running jobs of every open worker that uses it.
    private static final Map<MeterRegistry, Set<IntSupplier>> RUNNING = Collections.synchronizedMap(new WeakHashMap<>());
    private final MeterRegistry registry;
    private final Counter heartbeatsSent;
    private final Counter heartbeatsLost;
    private final Counter batches;
    private final DistributionSummary batchSize;
    private final Counter retried;
    private final Counter failovers;
    private IntSupplier running;

    /** {@code registry} is a {@link MeterRegistry}; typed Object so that callers need not load Micrometer. */
    MicrometerWorkerMetrics(Object registry) {
        this.registry = (MeterRegistry) registry;
        this.heartbeatsSent = heartbeats("sent");
        this.heartbeatsLost = heartbeats("lost");
        this.batches = Counter.builder("baton.worker.completion.batches")
                .description("requests carrying completions a coordinator answered (claims, POST /completions)").register(this.registry);
        this.batchSize = DistributionSummary.builder("baton.worker.completion.batch.size")
                .description("Completions carried per answered request (a claim carrying them, or POST /completions)").register(this.registry);
        this.retried = Counter.builder("baton.worker.requests.retried")
                .description("Requests sent again because no coordinator answered them").register(this.registry);
        this.failovers = Counter.builder("baton.worker.failovers")
                .description("Moves to the next coordinator URL after a network error or a 5xx/429")
                .register(this.registry);
    }

    private Counter heartbeats(String outcome) {
        return Counter.builder("baton.worker.heartbeats").tag("outcome", outcome)
                .description("Heartbeats acknowledged by a coordinator (sent) or not (lost)").register(registry);
    }

    @Override
    public void runningJobs(IntSupplier running) {
        this.running = running;
        Set<IntSupplier> all = RUNNING.computeIfAbsent(registry, r -> ConcurrentHashMap.newKeySet());
        all.add(running);
        Gauge.builder("baton.worker.jobs.running", all, s -> s.stream().mapToInt(IntSupplier::getAsInt).sum())
                .description("Jobs the workers on this registry are running").strongReference(true).register(registry);
    }

    @Override
    public void close() {
        Set<IntSupplier> all = RUNNING.get(registry);
        if (all != null && running != null) {
            all.remove(running);
        }
    }

    @Override
    public void handled(String type, Outcome outcome, Duration took) {
        Timer.builder("baton.worker.handler").tag("type", type).tag("outcome", outcome.tag)
                .description("Handler run time by job type and how the attempt ended")
                .register(registry).record(took);
    }

    @Override
    public void heartbeat(boolean acknowledged) {
        (acknowledged ? heartbeatsSent : heartbeatsLost).increment();
    }

    @Override
    public void completionBatch(int items) {
        batches.increment();
        batchSize.record(items);
    }

    @Override
    public void requestRetried() {
        retried.increment();
    }

    @Override
    public void failover() {
        failovers.increment();
    }
}
