package dev.baton.coordinator.maintenance;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.IntSupplier;

/**
 * How a maintenance duty's passes went, so that a reaper or pruner that stopped working (or
 * fails every pass) shows on a dashboard before its backlog does: {@code baton.maintenance.runs}
 * (tags {@code duty}, {@code outcome} ok or failed) and {@code baton.maintenance.rows} (tag
 * {@code duty}: rows handled by passes that finished).
 */
final class DutyMetrics {
    private final Counter ok;
    private final Counter failed;
    private final Counter rows;

    DutyMetrics(String duty, MeterRegistry registry) {
        this.ok = runs(duty, "ok", registry);
        this.failed = runs(duty, "failed", registry);
        this.rows = Counter.builder("baton.maintenance.rows").description("Rows handled by maintenance passes")
                .tag("duty", duty).register(registry);
    }

    private static Counter runs(String duty, String outcome, MeterRegistry registry) {
        return Counter.builder("baton.maintenance.runs").description("Maintenance passes, by how they ended")
                .tags("duty", duty, "outcome", outcome).register(registry);
    }

    /** Runs one pass, counting it and the rows it handled; a pass that throws counts as failed and rethrows. */
    int pass(IntSupplier pass) {
        int n;
        try {
            n = pass.getAsInt();
        } catch (RuntimeException | Error e) {
            failed.increment();
            throw e;
        }
        ok.increment();
        rows.increment(n);
        return n;
    }
}
