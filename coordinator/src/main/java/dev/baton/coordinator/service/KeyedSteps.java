package dev.baton.coordinator.service;

import dev.baton.common.Json;
import dev.baton.common.Responses.BulkSucceeded;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.IdempotencyKeys;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How a bulk under an {@code Idempotency-Key} runs its operations (finding 12 in
 * docs/reliability.md): each in a short transaction of its own that also stores its answer, beside
 * the key's transaction, which stays open (holding the key, so resends wait) until the bulk's whole
 * answer is stored. A job's row is then held for one operation, never until the bulk commits, and
 * a try cut short (a 503, a crash) leaves its committed operations' answers for the resend.
 *
 * <p>Such a bulk holds two pooled connections at once, each taken once (the key's, and one its
 * steps take turns on: soak 10, seed 4 saw a bulk that took one per step wait for the pool at
 * every step, past 10 s), so at most a quarter of the pool's connections run keyed bulks. The
 * slot is taken before the key's connection ({@link #inSlot}, by the route): a bulk waiting for a
 * slot, or a resend waiting for its key's first try, then holds no connection while it waits
 * (finding 17: waiting in the key's transaction, they held the pool's connections idle). One more
 * waits for a slot up to the statement timeout, then is a 503 that wrote nothing.
 */
@Singleton
public final class KeyedSteps {
    private final Db db;
    private final IdempotencyKeys keys;
    private final Semaphore slots;
    private final long waitMs;

    public KeyedSteps(Db db, IdempotencyKeys keys, Settings settings) {
        this.db = db;
        this.keys = keys;
        this.slots = new Semaphore(Math.max(1, settings.dbPoolSize() / 4), true);
        this.waitMs = settings.dbStatementTimeoutMs();
    }

    /**
     * Runs {@code work}, a keyed bulk route from before it takes its key, in one of the slots; a
     * slot that does not come free within the statement timeout is a 503 that wrote nothing.
     */
    public <T> T inSlot(Supplier<T> work) {
        try {
            if (!slots.tryAcquire(waitMs, TimeUnit.MILLISECONDS)) {
                throw new BatonException(ErrorCode.UNAVAILABLE, "too many bulks under an Idempotency-Key are running "
                        + "on this coordinator; nothing was written: send it again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BatonException(ErrorCode.UNAVAILABLE, "the coordinator is stopping; nothing was written");
        }
        try {
            return work.get();
        } finally {
            slots.release();
        }
    }

    /** Runs {@code bulk} (in the slot its route took) outside the key's transaction, with the answers an earlier try stored. */
    <T> T run(IdempotencyKeys.Taken taken, Function<Map<Integer, BulkSucceeded>, T> bulk) {
        return db.apart(() -> db.onOneConnection(() -> bulk.apply(stored(taken))));
    }

    private Map<Integer, BulkSucceeded> stored(IdempotencyKeys.Taken taken) {
        Map<Integer, String> answers = db.run(c -> keys.findSteps(c, taken));
        Map<Integer, BulkSucceeded> stored = new HashMap<>();
        answers.forEach((step, answer) -> stored.put(step, read(answer)));
        return stored;
    }

    /** Step {@code step} in its own transaction, its answer stored with it: both commit or neither. */
    BulkSucceeded step(IdempotencyKeys.Taken taken, int step, Supplier<BulkSucceeded> operation) {
        return db.enclosing(c -> {
            BulkSucceeded answer = operation.get();
            keys.storeStep(c, taken, step, Json.write(answer));
            return answer;
        });
    }

    private static BulkSucceeded read(String answer) {
        try {
            return Json.mapper().readValue(answer, BulkSucceeded.class);
        } catch (IOException e) {
            throw new UncheckedIOException("a stored step is not a bulk answer", e);
        }
    }
}
