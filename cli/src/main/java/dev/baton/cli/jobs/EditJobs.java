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
        "Labels are merged into the job's own (--set-label k=v, --set-label k= or --remove-label k removes one); an edit",
        "of labels alone may leave --expected-version out: it is made at the version read.",
        "With a filter instead of an id, every matching queued job is changed at the version it was listed at (--yes)."})
final class EditJobs extends JobAction {
    @Option(names = "--expected-version", paramLabel = "N",
            description = "The version you saw (required with an id, unless only labels change).")
    Long expectedVersion;

    @Option(names = "--priority", paramLabel = "N")
    Integer priority;

    @Option(names = "--run-at", paramLabel = "WHEN", description = "A time or how long from now.")
    String runAt;

    @Option(names = "--payload", paramLabel = "JSON|@FILE|-")
    String payload;

    @Option(names = "--max-attempts", paramLabel = "N")
    Integer maxAttempts;

    @Option(names = "--set-label", paramLabel = "K=V", description = "Set one label, the others kept (repeatable); K= removes K.")
    List<String> setLabels = new ArrayList<>();

    @Option(names = "--remove-label", paramLabel = "K", description = "Remove one label (repeatable).")
    List<String> removeLabels = new ArrayList<>();

    /** The fields other than labels, read once (a --payload from stdin can be read only once). */
    private Requests.Patch fields;

    @Override
    String verb() {
        return "edit";
    }

    @Override
    String action() {
        return "update";
    }

    @Override
    List<String> statuses() {
        return List.of("queued");
    }

    private LabelChanges labels() {
        return new LabelChanges(setLabels, removeLabels);
    }

    /** The changes other than labels; a usage error when there is nothing at all to change. */
    private Requests.Patch fields() {
        if (fields == null) {
            Instant at = runAt == null ? null : Args.future(runAt, Instant.now());
            fields = new Requests.Patch(null, priority, at, Args.json(payload, "--payload", System.in), maxAttempts, null);
            if (!changesFields() && labels().isEmpty()) {
                throw usage("nothing to change: give --priority, --run-at, --payload, --max-attempts, --set-label or --remove-label");
            }
        }
        return fields;
    }

    private boolean changesFields() {
        return priority != null || runAt != null || payload != null || maxAttempts != null;
    }

    /** The PATCH for {@code job} as read: the fields given and its labels with the changes applied. */
    private Requests.Patch patch(JsonNode job, Long version) {
        Requests.Patch f = fields();
        return new Requests.Patch(version, f.priority(), f.runAt(), f.payload(), f.maxAttempts(),
                labels().applyTo(job.path("labels")));
    }

    @Override
    Requests.Patch changes(JsonNode job) {
        return patch(job, null);
    }

    @Override
    void checkBulk() {
        if (expectedVersion != null) {
            throw usage("--expected-version goes with one job id; an edit by filter uses the version each job was listed at");
        }
        fields();
    }

    @Override
    JsonNode one(String id) {
        if (ids.size() > 1) {
            throw usage("edit takes one job id (with --expected-version), or a filter");
        }
        if (expectedVersion == null && changesFields()) {
            throw usage("--expected-version is required: the version of the job you mean to change (baton jobs show " + id + ")");
        }
        fields();
        String path = "/api/v1/jobs/" + ApiClient.encode(id);
        JsonNode job = api().get(path);
        // The labels sent are the job's as read with the changes applied, at the version read, or at yours
        // if you gave one: if the job is not at it, the coordinator refuses (409) and nothing changes.
        long since = expectedVersion == null ? job.path("version").asLong() : expectedVersion;
        Requests.Patch patch = patch(job, since);
        try {
            return api().send("PATCH", path, patch, Map.of()).body();
        } catch (ApiError e) {
            if ("version_conflict".equals(e.code()) && e.job().isObject() && print().human()) {
                showConflict(e.job(), patch, since);
            }
            throw e;
        }
    }

    /** What changed: the job's fields now beside the ones this edit would have set. */
    private void showConflict(JsonNode now, Requests.Patch mine, long since) {
        Printer p = print();
        PrintStream err = cli().err();
        err.println("job " + now.path("id").asText() + " changed since version " + since + ": it is at version "
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
