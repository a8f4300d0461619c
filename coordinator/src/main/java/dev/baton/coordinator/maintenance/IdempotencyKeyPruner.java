package dev.baton.coordinator.maintenance;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.IdempotencyKeys;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes Idempotency-Key rows past their 24 hours, every ten minutes on every coordinator. A
 * row past its lifetime is already ignored (and taken over by a new request with its key), so
 * this only keeps the table small; running it on several coordinators at once does no harm.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator
public final class IdempotencyKeyPruner {
    static final int BATCH = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyKeyPruner.class);
    private final Db db;
    private final IdempotencyKeys keys;
    private final Every timer;

    public IdempotencyKeyPruner(Db db, IdempotencyKeys keys) {
        this.db = db;
        this.keys = keys;
        this.timer = Every.start("idempotency-key-pruner", Duration.ofMinutes(1), Duration.ofMinutes(10), this::stepAndLog);
    }

    /** One pass, in short transactions of {@value #BATCH} rows; returns how many rows it deleted. */
    public int step() {
        int total = 0;
        int n;
        do {
            n = db.run(c -> keys.deleteExpired(c, BATCH));
            total += n;
        } while (n == BATCH);
        return total;
    }

    private void stepAndLog() {
        int n = step();
        if (n > 0) {
            LOG.info("pruned {} idempotency key(s) past their 24 hours", n);
        }
    }

    @PreDestroy
    void stop() {
        timer.stop();
    }
}
