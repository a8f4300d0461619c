package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.http.ApiError;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Sends operations through {@code POST /jobs/bulk}, paced, each request under its own
 * {@code Idempotency-Key}: a 503 is resent with the same key, which answers what committed and
 * runs the rest (docs/protocol.md), so no operation is applied twice.
 */
final class BulkRunner {
    private static final int MOST = 500;
    private static final int RESENDS = 5;

    private BulkRunner() {
    }

    /**
     * A request that could not be sent even after its resends: the results of the requests before it,
     * which the caller still shows, and why the run stopped.
     */
    static final class Stopped extends Exception {
        final List<JsonNode> results;
        final CliException cause;

        Stopped(List<JsonNode> results, CliException cause) {
            super(cause.getMessage(), cause);
            this.results = results;
            this.cause = cause;
        }
    }

    /** Per-operation results, {@code {"id", "result": "ok"|"failed", "version" | "code", "detail", "job"}}. */
    static List<JsonNode> run(ApiClient api, List<Requests.BulkOperation> ops, Double rps, Consumer<String> progress)
            throws InterruptedException, Stopped {
        Pacer pacer = new Pacer(rps);
        List<JsonNode> results = new ArrayList<>();
        for (int from = 0; from < ops.size(); ) {
            int n = Math.min(pacer.chunk(MOST), ops.size() - from);
            List<Requests.BulkOperation> chunk = ops.subList(from, from + n);
            pacer.acquire(n);
            JsonNode answer;
            try {
                answer = send(api, new Requests.Bulk(chunk));
            } catch (CliException e) {
                throw new Stopped(results, e);
            }
            for (JsonNode s : answer.path("succeeded")) {
                ObjectNode r = Json.mapper().createObjectNode();
                r.put("id", s.path("id").asText());
                r.put("result", "ok");
                r.set("version", s.path("version"));
                results.add(r);
            }
            for (JsonNode f : answer.path("failed")) {
                ObjectNode r = Json.mapper().createObjectNode();
                r.put("id", f.path("id").asText());
                r.put("result", "failed");
                r.set("code", f.path("code"));
                r.set("detail", f.path("detail"));
                r.set("job", f.path("job"));
                results.add(r);
            }
            from += n;
            progress.accept("sent " + from + "/" + ops.size());
        }
        return results;
    }

    private static JsonNode send(ApiClient api, Requests.Bulk bulk) throws InterruptedException {
        String key = "baton-cli-" + UUID.randomUUID();
        for (int attempt = 1; ; attempt++) {
            try {
                return api.send("POST", "/api/v1/jobs/bulk", bulk, Map.of("Idempotency-Key", key)).body();
            } catch (ApiError e) {
                if (e.status() != 503 || attempt == RESENDS) {
                    throw e;
                }
            } catch (CliException e) {
                if (e.exitCode() != ExitCodes.UNAVAILABLE || attempt == RESENDS) {
                    throw e;
                }
            }
            Thread.sleep(1000L * attempt);
        }
    }
}
