package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.cli.output.Times;
import dev.baton.common.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "show", aliases = "get", description = "A job, its attempts and its events.")
final class ShowJob extends BatonCommand {
    private static final int PAGE = 1000;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
        String path = "/api/v1/jobs/" + ApiClient.encode(id);
        JsonNode job = api().get(path);
        List<JsonNode> events = events(api(), path);
        ArrayNode attempts = Attempts.from(events);
        ObjectNode all = Json.mapper().createObjectNode();
        all.set("job", job);
        all.set("attempts", attempts);
        all.set("events", Json.mapper().valueToTree(events));
        print().value(all, () -> human(job, attempts, events));
        return ExitCodes.OK;
    }

    static List<JsonNode> events(ApiClient api, String jobPath) {
        List<JsonNode> events = new ArrayList<>();
        String after = null;
        while (true) {
            JsonNode page = api.get(ApiClient.query(jobPath + "/events", mapOf("after", after, "limit", PAGE)));
            page.path("items").forEach(events::add);
            if (page.path("items").size() < PAGE) {
                return events;
            }
            after = events.get(events.size() - 1).path("id").asText();
        }
    }

    private static Map<String, Object> mapOf(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    private void human(JsonNode job, ArrayNode attempts, List<JsonNode> events) {
        Printer p = print();
        Times t = p.times();
        JsonNode progress = job.path("progress");
        JsonNode lease = job.path("lease");
        JsonNode error = job.path("lastError");
        p.fields(new String[][] {
                {"id", job.path("id").asText()},
                {"queue", job.path("queue").asText()},
                {"type", job.path("type").asText()},
                {"status", p.colour().status(job.path("status").asText())},
                {"attempt", job.path("attempt").asText() + "/" + job.path("maxAttempts").asText()},
                {"version", job.path("version").asText()},
                {"priority", job.path("priority").asText()},
                {"run at", t.format(text(job, "runAt"))},
                {"created", t.format(text(job, "createdAt"))},
                {"updated", t.format(text(job, "updatedAt"))},
                {"started", t.format(text(job, "startedAt"))},
                {"finished", t.format(text(job, "finishedAt"))},
                {"unique key", text(job, "uniqueKey")},
                {"labels", job.path("labels").isObject() && !job.path("labels").isEmpty() ? Json.write(job.path("labels")) : null},
                {"payload", Json.write(job.path("payload"))},
                {"progress", progress.isObject() ? progress.path("current").asText() + "/" + progress.path("total").asText("?")
                        + (progress.hasNonNull("message") ? " " + progress.path("message").asText() : "") : null},
                {"lease", lease.isObject() ? lease.path("workerId").asText() + ", expires " + t.format(text(lease, "expiresAt")) : null},
                {"result", job.hasNonNull("result") ? Json.write(job.path("result")) : null},
                {"last error", error.isObject() ? error.path("type").asText("") + ": " + error.path("message").asText() : null},
        });
        p.out().println();
        p.out().println(p.colour().bold("Attempts"));
        Table at = new Table("ATTEMPT", "WORKER", "STARTED", "ENDED", "OUTCOME", "DETAIL");
        for (JsonNode a : attempts) {
            at.row(a.path("attempt").asText(), text(a, "workerId"), t.format(text(a, "startedAt")), t.format(text(a, "endedAt")),
                    a.path("outcome").isNull() ? "running" : a.path("outcome").asText(), detail(a.path("detail")));
        }
        print(at);
        p.out().println();
        p.out().println(p.colour().bold("Events"));
        Table et = new Table("ID", "AT", "TYPE", "FROM", "TO", "ATTEMPT", "WORKER", "ACTOR", "DETAIL");
        for (JsonNode e : events) {
            et.row(e.path("id").asText(), t.format(text(e, "at")), e.path("type").asText(), text(e, "fromStatus"),
                    text(e, "toStatus"), e.path("attempt").asText(), text(e, "workerId"), text(e, "actor"), detail(e.path("detail")));
        }
        print(et);
    }

    private void print(Table t) {
        if (t.isEmpty()) {
            print().out().println("(none)");
        } else {
            t.print(print().out(), print().colour());
        }
    }

    private static String detail(JsonNode d) {
        return d == null || d.isMissingNode() || d.isNull() ? "-" : JobRows.cut(Json.write(d), 80);
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isMissingNode() || v.isNull() ? null : v.asText();
    }
}
