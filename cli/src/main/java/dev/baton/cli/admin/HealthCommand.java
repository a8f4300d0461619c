package dev.baton.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.http.ApiError;
import dev.baton.cli.output.Colour;
import dev.baton.common.Json;
import picocli.CommandLine.Command;

@Command(name = "health", description = {"The coordinator's health (/health) and readiness (/health/ready); needs no token.",
        "Exit code: 0 up and ready, 1 degraded (Redis down) or not ready, 6 down or unreachable."})
public final class HealthCommand extends BatonCommand {
    @Override
    public Integer call() {
        JsonNode health = read("/health");
        JsonNode ready = read("/health/ready");
        ObjectNode both = Json.mapper().createObjectNode();
        both.set("health", health);
        both.set("ready", ready);
        Colour c = print().colour();
        print().value(both, () -> print().fields(new String[][] {
                {"status", c.status(health.path("status").asText())},
                {"database", c.status(health.path("database").asText())},
                {"redis", c.status(health.path("redis").asText())},
                {"ready", c.status(ready.path("status").asText())},
                {"migrations", ready.path("migrations").asText("-")},
                {"lifecycle", ready.path("lifecycle").asText("-")},
        }));
        String status = health.path("status").asText();
        if ("down".equals(status)) {
            return ExitCodes.UNAVAILABLE;
        }
        return "up".equals(status) && "ready".equals(ready.path("status").asText()) ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** The body even of a 503: it says which check failed. */
    private JsonNode read(String path) {
        try {
            return cli().anonymousApi().get(path);
        } catch (ApiError e) {
            if (e.status() == 503 && e.problem().has("status")) {
                return e.problem();
            }
            throw e;
        }
    }
}
