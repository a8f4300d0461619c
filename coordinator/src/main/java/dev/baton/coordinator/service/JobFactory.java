package dev.baton.coordinator.service;

import dev.baton.common.Job.Backoff;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.Responses.FieldError;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.NewJob;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/** Turns a POST /jobs body into a {@link NewJob}: validated, defaults applied, limits enforced. */
@Singleton
public final class JobFactory {
    public static final int MAX_BATCH = 1000;
    /** The queue of a job enqueued without one. */
    public static final String DEFAULT_QUEUE = "default";
    private static final long TEN_YEARS_MS = 10L * 366 * 24 * 3600 * 1000;
    private final long payloadBytes;

    public JobFactory(Settings settings) {
        this.payloadBytes = settings.payloadBytes();
    }

    public NewJob newJob(Requests.Enqueue r, String prefix) {
        Checks checks = new Checks(prefix);
        checks.required("type", r.type());
        checks.length("type", r.type(), 1, 200);
        checks.name("queue", r.queue());
        checks.range("priority", r.priority(), -1_000_000, 1_000_000);
        checks.range("maxAttempts", r.maxAttempts(), 1, 1000);
        checks.range("delayMs", r.delayMs(), 0, TEN_YEARS_MS);
        checks.range("timeoutSeconds", r.timeoutSeconds(), 1, 7L * 24 * 3600);
        checks.length("uniqueKey", r.uniqueKey(), 1, 500);
        checks.labels("labels", r.labels());
        checks.time("runAt", r.runAt());
        if (r.runAt() != null && r.delayMs() != null) {
            checks.fail("runAt", "give runAt or delayMs, not both");
        }
        Backoff backoff = backoff(r.backoff(), checks);
        checks.throwIfAny();
        checkStorable(prefix + "payload", r.payload());
        String payload = r.payload() == null || r.payload().isNull() ? "{}" : Json.write(r.payload());
        checkPayloadSize(prefix + "payload", payload);
        return new NewJob(Objects.requireNonNullElse(r.queue(), DEFAULT_QUEUE), r.type(), payload,
                Objects.requireNonNullElse(r.priority(), 0), r.runAt(), Objects.requireNonNullElse(r.delayMs(), 0L),
                Objects.requireNonNullElse(r.maxAttempts(), 5), r.uniqueKey(),
                Json.write(r.labels() == null ? Map.of() : r.labels()),
                Objects.requireNonNullElse(r.timeoutSeconds(), 3600), backoff);
    }

    public List<NewJob> newJobs(Requests.EnqueueBatch batch) {
        if (batch.jobs() == null) {
            throw BatonException.invalid("jobs", "is required");
        }
        if (batch.jobs().size() > MAX_BATCH) {
            throw new BatonException(ErrorCode.PAYLOAD_TOO_LARGE, "a batch holds at most " + MAX_BATCH + " jobs");
        }
        if (batch.jobs().isEmpty()) {
            throw BatonException.invalid("jobs", "must hold at least one job");
        }
        for (int i = 0; i < batch.jobs().size(); i++) {
            if (batch.jobs().get(i) == null) {
                throw BatonException.invalid("jobs[" + i + "]", "must be an object");
            }
        }
        return IntStream.range(0, batch.jobs().size())
                .mapToObj(i -> newJob(batch.jobs().get(i), "jobs[" + i + "]."))
                .toList();
    }

    /** A payload or result over baton.limits.payload-bytes is a 413. */
    public void checkPayloadSize(String field, String json) {
        if (json != null && json.getBytes(StandardCharsets.UTF_8).length > payloadBytes) {
            throw new BatonException(ErrorCode.PAYLOAD_TOO_LARGE, field + " is over " + payloadBytes + " bytes",
                    null, List.of(new FieldError(field, "over " + payloadBytes + " bytes")));
        }
    }

    /**
     * PostgreSQL's numeric holds at most 131,072 digits before the point and 16,383 after; a JSON
     * number beyond that is refused here with a 400 rather than failing in the database.
     */
    public void checkStorable(String field, com.fasterxml.jackson.databind.JsonNode node) {
        if (node == null) {
            return;
        }
        if (node.isNumber()) {
            java.math.BigDecimal d = node.decimalValue();
            if (d.precision() - d.scale() > 131_072 || d.scale() > 16_383) {
                throw BatonException.invalid(field, "holds a number too large or too precise to store");
            }
            return;
        }
        var fields = node.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            checkStorable(field, e.getValue());
        }
        for (int i = 0; node.isArray() && i < node.size(); i++) {
            checkStorable(field, node.get(i));
        }
    }

    private static Backoff backoff(Backoff b, Checks checks) {
        if (b == null) {
            return Backoff.DEFAULT;
        }
        Backoff d = Backoff.DEFAULT;
        Backoff full = new Backoff(
                Objects.requireNonNullElse(b.initialMs(), d.initialMs()),
                Objects.requireNonNullElse(b.factor(), d.factor()),
                Objects.requireNonNullElse(b.maxMs(), Math.max(d.maxMs(), Objects.requireNonNullElse(b.initialMs(), 0L))),
                Objects.requireNonNullElse(b.jitter(), d.jitter()));
        checks.range("backoff.initialMs", full.initialMs(), 0, 24L * 3600 * 1000);
        checks.range("backoff.factor", full.factor(), 1.0, 100.0);
        checks.range("backoff.maxMs", full.maxMs(), 0, 30L * 24 * 3600 * 1000);
        checks.range("backoff.jitter", full.jitter(), 0.0, 1.0);
        if (full.maxMs() < full.initialMs()) {
            checks.fail("backoff.maxMs", "must be at least initialMs");
        }
        return full;
    }
}
