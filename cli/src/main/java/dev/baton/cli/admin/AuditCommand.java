package dev.baton.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.PageOptions;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.output.Table;
import dev.baton.common.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "audit", description = "The audit trail of admin changes, newest first.")
public final class AuditCommand extends BatonCommand {
    @Option(names = "--actor", paramLabel = "TOKEN_NAME")
    String actor;

    @Option(names = "--action", paramLabel = "ACTION", description = "job.cancel, job.retry, job.update, queue.update, schedule.put, schedule.delete, token.create, token.revoke.")
    String action;

    @Option(names = "--target", paramLabel = "TARGET", description = "job:<id>, queue:<name>, schedule:<name>, token:<name>.")
    String target;

    @Mixin
    PageOptions pages;

    @Override
    public Integer call() {
        boolean all = pages.all();
        int limit = pages.limit();
        List<JsonNode> entries = new ArrayList<>();
        String cursor = null;
        do {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("actor", actor);
            q.put("action", action);
            q.put("target", target);
            q.put("limit", all ? 500 : Math.min(500, limit - entries.size()));
            q.put("cursor", cursor);
            JsonNode page = api().get(ApiClient.query("/api/v1/audit", q));
            page.path("items").forEach(entries::add);
            cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
        } while (cursor != null && (all || entries.size() < limit));
        Table t = new Table("ID", "AT", "ACTOR", "ACTION", "TARGET", "DETAILS");
        for (JsonNode e : entries) {
            t.row(e.path("id").asText(), print().times().format(e.path("at").asText(null)), e.path("actor").asText(),
                    e.path("action").asText(), e.path("target").asText(),
                    e.path("details").isNull() || e.path("details").isMissingNode() ? "-" : Json.write(e.path("details")));
        }
        print().list(entries, t);
        return ExitCodes.OK;
    }
}
