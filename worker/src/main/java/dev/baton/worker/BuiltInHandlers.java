package dev.baton.worker;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** Handlers for demos and tests: baton.sleep, baton.echo, baton.fail. */
public final class BuiltInHandlers {
    private BuiltInHandlers() {
    }

    public static Worker.Builder register(Worker.Builder builder) {
        return builder.handler("baton.sleep", BuiltInHandlers::sleep)
                .handler("baton.echo", JobContext::payload)
                .handler("baton.fail", BuiltInHandlers::fail);
    }

    /** {"steps": 10, "stepMs": 200}: sleeps in steps, reporting progress and one log line per step. */
    static Object sleep(JobContext ctx) throws InterruptedException {
        JsonNode p = ctx.payload();
        int steps = p.path("steps").asInt(10);
        long stepMs = p.path("stepMs").asLong(200);
        for (int i = 1; i <= steps; i++) {
            Thread.sleep(stepMs);
            ctx.checkpoint();
            ctx.info("step " + i + " of " + steps);
            ctx.progress(i, (long) steps, "step " + i);
        }
        return Map.of("steps", steps);
    }

    /** {"failTimes": 2, "retryable": true}: fails its first N attempts, then succeeds. */
    static Object fail(JobContext ctx) throws Exception {
        int failTimes = ctx.payload().path("failTimes").asInt(2);
        boolean retryable = ctx.payload().path("retryable").asBoolean(true);
        if (ctx.attempt() <= failTimes) {
            ctx.warn("failing attempt " + ctx.attempt() + " on purpose");
            if (!retryable) {
                throw new NonRetryableException("failing attempt " + ctx.attempt() + " on purpose");
            }
            throw new IllegalStateException("failing attempt " + ctx.attempt() + " on purpose");
        }
        ctx.info("succeeding on attempt " + ctx.attempt());
        return Map.of("attempt", ctx.attempt());
    }
}
