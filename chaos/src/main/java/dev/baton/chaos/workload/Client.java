package dev.baton.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.common.Json;
import dev.baton.worker.Http1;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One client of the run (a producer, an admin, an adversarial worker): sends requests to the
 * coordinators through their proxies and writes each to the history with its outcome.
 */
public final class Client {
    /** How long a request may take before its outcome is unknown; a long poll adds its wait. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final List<Http1> coordinators;
    private final String token;
    private final History history;
    /** Until when (epoch ms) each coordinator is avoided after it gave no answer. */
    private final long[] downUntil;
    private static final long AVOID_MS = 1000;

    public Client(String name, List<String> urls, String token, History history) {
        this.name = name;
        this.coordinators = urls.stream().map(u -> new Http1(URI.create(u))).toList();
        this.downUntil = new long[urls.size()];
        this.token = token;
        this.history = history;
    }

    public String name() {
        return name;
    }

    /** What a request got: its status (0 when no answer came), its body, and which coordinator answered. */
    public record Result(int status, JsonNode body, int coordinator, long startMs, long endMs) {
        public Op.Outcome outcome() {
            if (status >= 200 && status < 300) {
                return Op.Outcome.OK;
            }
            return status >= 400 && status < 500 ? Op.Outcome.REFUSED : Op.Outcome.UNKNOWN;
        }

        public boolean ok() {
            return outcome() == Op.Outcome.OK;
        }

        public String code() {
            return body != null && body.has("code") ? body.path("code").asText() : null;
        }
    }

    /**
     * A coordinator at random, avoiding for a second one that just gave no answer, as a client
     * with a list of coordinators does (the Java worker goes on with another one too).
     */
    public int pick() {
        long now = System.currentTimeMillis();
        int n = coordinators.size();
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            int c = (start + i) % n;
            if (downUntil[c] <= now) {
                return c;
            }
        }
        return start;
    }

    public Result send(String method, String path, Object body) {
        return send(method, path, body, null, pick(), TIMEOUT);
    }

    public Result send(String method, String path, Object body, String idempotencyKey, int coordinator, Duration timeout) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Authorization", "Bearer " + token);
        if (idempotencyKey != null) {
            headers.put("Idempotency-Key", idempotencyKey);
        }
        String json = body == null ? null : Json.write(body);
        long start = System.currentTimeMillis();
        try {
            Http1.Response r = coordinators.get(coordinator).sendOnce(method, path, headers, json, timeout);
            JsonNode parsed = null;
            if (!r.body().isEmpty()) {
                try {
                    parsed = Json.mapper().readTree(r.body());
                } catch (IOException notJson) {
                    parsed = JsonNodeFactory.instance.textNode(r.body());
                }
            }
            return new Result(r.status(), parsed, coordinator, start, System.currentTimeMillis());
        } catch (IOException e) {
            // its other kept-alive connections to that coordinator most likely broke too: open new ones
            coordinators.get(coordinator).close();
            downUntil[coordinator] = System.currentTimeMillis() + AVOID_MS;
            return new Result(0, null, coordinator, start, System.currentTimeMillis());
        }
    }

    /** Writes {@code r} to the history as an operation of {@code kind} on {@code jobId}. */
    public Op record(String kind, String jobId, Result r, JsonNode data) {
        if (r.status() == 409 && r.body() != null && r.body().path("job").isObject() && data instanceof ObjectNode o) {
            // the job as the refusal saw it: a version below one already acknowledged would be a lost write
            JsonNode job = r.body().path("job");
            o.putObject("current").put("status", job.path("status").asText()).put("version", job.path("version").asLong())
                    .put("attempt", job.path("attempt").asInt())
                    .put("progress", job.path("progress").path("message").asText(null));
        }
        return history.add(name, kind, jobId, r.coordinator(), r.startMs(), r.endMs(), r.outcome(), r.status(),
                r.code(), data);
    }

    public static ObjectNode data() {
        return JsonNodeFactory.instance.objectNode();
    }
}
