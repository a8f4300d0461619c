package dev.baton.coordinator.metrics;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.QueueDepths;
import dev.baton.coordinator.db.QueueDepths.Depth;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queue depth and the oldest due job's age, per queue, as gauges read at scrape time. All of
 * them share one {@link QueueDepths} statement, run at most once per {@link #FRESH} however many
 * scrapers (or gauges) ask, so scraping never loads the database beyond one indexed statement every
 * few seconds. A queue gets its gauges the first time the statement sees it (so in the scrape
 * after its first job) and keeps them, reading 0 once it is empty: queues are few and named by
 * the user, so the series stay bounded. When the database cannot be read the gauges read NaN
 * (unknown), never a stale or zero depth that would silence a stuck-queue alert.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator
public final class QueueGauges {
    private static final Logger LOG = LoggerFactory.getLogger(QueueGauges.class);
    /** How long one reading of the depths serves every gauge. */
    static final Duration FRESH = Duration.ofSeconds(5);
    private final Db db;
    private final QueueDepths depths;
    private final MeterRegistry registry;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private long readAtNanos;
    private boolean everRead;
    /** The last reading by queue; null when the last attempt to read failed. */
    private Map<String, Depth> last;

    public QueueGauges(Db db, QueueDepths depths, MeterRegistry registry) {
        this.db = db;
        this.depths = depths;
        this.registry = registry;
        // The one gauge that exists from the start: reading it is what finds the queues.
        Gauge.builder("baton.queues.active", this, g -> {
            Map<String, Depth> now = g.current();
            return now == null ? Double.NaN : now.size();
        }).description("Queues holding queued or running jobs").register(registry);
    }

    /** The depths, read again when older than {@link #FRESH}; null when the database could not be read. */
    synchronized Map<String, Depth> current() {
        long now = System.nanoTime();
        if (everRead && now - readAtNanos < FRESH.toNanos()) {
            return last;
        }
        everRead = true;
        readAtNanos = now;
        try {
            last = db.run(depths::all).stream().collect(Collectors.toMap(Depth::queue, d -> d));
        } catch (RuntimeException e) {
            LOG.debug("queue depths not read: {}", e.toString());
            last = null;
            return null;
        }
        last.keySet().forEach(this::register);
        return last;
    }

    private void register(String queue) {
        if (!known.add(queue)) {
            return;
        }
        depth(queue, "queued", Depth::due);
        depth(queue, "scheduled", Depth::scheduled);
        depth(queue, "running", Depth::running);
        Gauge.builder("baton.queue.oldest.age", this, g -> g.read(queue, Depth::oldestDueSeconds))
                .description("Seconds the queue's longest-waiting due job has waited since it became due (0: none)")
                .baseUnit("seconds").tag("queue", queue).register(registry);
    }

    private void depth(String queue, String status, ToDoubleFunction<Depth> value) {
        Gauge.builder("baton.queue.depth", this, g -> g.read(queue, value))
                .description("Jobs in the queue: queued (due, waiting for a worker), scheduled (runAt later), running")
                .tags("queue", queue, "status", status).register(registry);
    }

    private double read(String queue, ToDoubleFunction<Depth> value) {
        Map<String, Depth> now = current();
        if (now == null) {
            return Double.NaN;
        }
        Depth d = now.get(queue);
        return d == null ? 0 : value.applyAsDouble(d);
    }
}
