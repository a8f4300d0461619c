package dev.baton.cli.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Failures;
import dev.baton.cli.http.ApiClient;
import dev.baton.common.Json;
import java.util.function.Consumer;

/**
 * Follows {@code GET /jobs/{id}/logs/stream} until its {@code end} event: the coordinator's own
 * signal that the job is finished, so neither {@code logs --follow} nor {@code wait} polls. A stream
 * that ends without that event (its coordinator stopping) is reopened after the last line read.
 */
final class LogFollower {
    /** Reopened at most this many times in a row without a line coming. */
    private static final int RECONNECTS = 5;

    private LogFollower() {
    }

    /** Hands each line to {@code onLine}; returns the status the job finished with. */
    static String follow(ApiClient api, String id, Consumer<JsonNode> onLine) {
        String path = "/api/v1/jobs/" + ApiClient.encode(id) + "/logs/stream";
        String[] last = {null};
        String[] ended = {null};
        int quiet = 0;
        while (ended[0] == null) {
            int[] got = {0};
            api.stream(path, last[0], event -> {
                if ("end".equals(event.event())) {
                    ended[0] = parse(event.data()).path("status").asText("finished");
                    return;
                }
                if (event.id() != null) {
                    last[0] = event.id();
                }
                got[0]++;
                onLine.accept(parse(event.data()));
            });
            quiet = got[0] > 0 ? 0 : quiet + 1;
            if (ended[0] == null && quiet >= RECONNECTS) {
                throw new CliException(ExitCodes.UNAVAILABLE, "the log stream of job " + id + " kept ending before the job did");
            }
        }
        return ended[0];
    }

    private static JsonNode parse(String data) {
        try {
            return Json.mapper().readTree(data);
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCodes.FAILED, "the log stream sent something that is not JSON: " + Failures.json(e));
        }
    }
}
