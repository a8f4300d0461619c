package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.Args;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.http.ApiError;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "edit", description = {"Change a queued job (PATCH /jobs/{id}) at the version you saw: --expected-version N.",
        "If the job changed since, nothing is changed: its fields now are shown beside yours, and the exit code is 3.",
        "With a filter instead of an id, every matching job is changed at the version it was listed at (--yes)."})
final class EditJobs extends JobAction {
    @Option(names = "--expected-version", paramLabel = "N", description = "The version you saw (required with an id).")
    Long expectedVersion;

    @Option(names = "--priority", paramLabel = "N")
    Integer priority;

    @Option(names = "--run-at", paramLabel = "WHEN", description = "A time or how long from now.")
    String runAt;

    @Option(names = "--payload", paramLabel = "JSON|@FILE|-")
    String payload;

    @Option(names = "--max-attempts", paramLabel = "N")
    Integer maxAttempts;

    @Option(names = "--set-label", paramLabel = "K=V", description = "The job's labels become these (repeatable).")
    List<String> labels = new ArrayList<>();

    @Override
    String verb() {
        return "edit";
    }

    @Override
    String action() {
        return "update";
    }

    @Override
    Requests.Patch changes() {
        Requests.Patch p = patch(null);
        if (p.priority() == null && p.runAt() == null && p.payload() == null && p.maxAttempts() == null && p.labels() == null) {
            throw usage("nothing to change: give --priority, --run-at, --payload, --max-attempts or --set-label");
        }
        return p;
    }

    private Requests.Patch patch(Long version) {
        Instant at = runAt == null ? null : Args.future(runAt, Instant.now());
        return new Requests.Patch(version, priority, at, Args.json(payload, "--payload", System.in), maxAttempts,
                Args.labels(labels));
    }

    @Override
    void checkBulk() {
        if (expectedVersion != null) {
            throw usage("--expected-version goes with one job id; an edit by filter uses the version each job was listed at");
        }
        changes();
    }

    @Override
    JsonNode one(String id) {
        if (ids.size() > 1) {
            throw usage("edit takes one job id (with --expected-version), or a filter");
        }
        if (expectedVersion == null) {
            throw usage("--expected-version is required: the version of the job you mean to change (baton jobs show " + id + ")");
        }
        changes();
        Requests.Patch patch = patch(expectedVersion);
        try {
            return api().send("PATCH", "/api/v1/jobs/" + ApiClient.encode(id), patch, Map.of()).body();
        } catch (ApiError e) {
            if ("version_conflict".equals(e.code()) && e.job().isObject() && print().human()) {
                showConflict(e.job(), patch);
            }
            throw e;
        }
    }

    /** What changed: the job's fields now beside the ones this edit would have set. */
    private void showConflict(JsonNode now, Requests.Patch mine) {
        Printer p = print();
        PrintStream err = cli().err();
        err.println("job " + now.path("id").asText() + " changed since version " + expectedVersion + ": it is at version "
                + now.path("version").asText() + ", " + now.path("status").asText() + ", updated "
                + p.times().format(now.path("updatedAt").asText(null)) + "; nothing was changed.");
        JsonNode yours = Json.mapper().valueToTree(mine);
        Table t = new Table("FIELD", "NOW", "YOURS");
        for (String field : List.of("priority", "runAt", "payload", "maxAttempts", "labels")) {
            if (!yours.path(field).isNull()) {
                t.row(field, compact(now.path(field)), compact(yours.path(field)));
            }
        }
        t.row("status", now.path("status").asText(), "(queued needed)");
        t.print(err, p.colour());
        err.println("Look again (baton jobs show " + now.path("id").asText() + ") and edit with --expected-version "
                + now.path("version").asText() + " if your change still stands.");
    }

    private static String compact(JsonNode v) {
        return v.isMissingNode() || v.isNull() ? "-" : v.isTextual() ? v.asText() : JobRows.cut(Json.write(v), 60);
    }
}
