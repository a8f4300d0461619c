package dev.baton.cli.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.Args;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Failures;
import dev.baton.cli.http.ApiClient;
import dev.baton.common.Job;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "enqueue", description = {"Enqueue a job (POST /jobs), or many at once from a file (--batch, POST /jobs/batch: all or nothing)."})
final class EnqueueJob extends BatonCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @ArgGroup(exclusive = false)
        One one;

        @Option(names = "--batch", paramLabel = "@FILE|-", required = true,
                description = "A JSON array of POST /jobs bodies (or {\"jobs\": [...]}), inline, @file or - for stdin.")
        String batch;
    }

    static final class One {
        @Option(names = "--type", required = true, paramLabel = "TYPE")
        String type;

        @Option(names = "--queue", paramLabel = "QUEUE", description = "Default: default.")
        String queue;

        @Option(names = "--payload", paramLabel = "JSON|@FILE|-", description = "The payload (default {}).")
        String payload;

        @Option(names = "--priority", paramLabel = "N", description = "Higher runs first.")
        Integer priority;

        @Option(names = "--run-at", paramLabel = "WHEN", description = "A time (2026-11-22T10:00:00Z) or how long from now (10m).")
        String runAt;

        @Option(names = "--max-attempts", paramLabel = "N")
        Integer maxAttempts;

        @Option(names = "--unique-key", paramLabel = "KEY", description = "At most one queued or running job per queue with this key.")
        String uniqueKey;

        @Option(names = "--label", paramLabel = "K=V", description = "Repeatable.")
        List<String> labels = new ArrayList<>();

        @Option(names = "--timeout-seconds", paramLabel = "N")
        Integer timeoutSeconds;

        Requests.Enqueue body(java.io.InputStream stdin) {
            Instant at = runAt == null ? null : Args.future(runAt, Instant.now());
            return new Requests.Enqueue(queue, type, Args.json(payload, "--payload", stdin), priority, at, null,
                    maxAttempts, uniqueKey, Args.labels(labels), timeoutSeconds, null);
        }
    }

    @Option(names = "--idempotency-key", paramLabel = "KEY", description = "Makes a resend safe: the first answer is replayed for 24 h.")
    String idempotencyKey;

    @Override
    public Integer call() {
        Map<String, String> headers = new HashMap<>();
        if (idempotencyKey != null) {
            headers.put("Idempotency-Key", idempotencyKey);
        }
        if (what.batch != null) {
            JsonNode given = Args.json(what.batch, "--batch", System.in);
            JsonNode jobs = given.isArray() ? given : given.path("jobs");
            if (!jobs.isArray()) {
                throw usage("--batch takes a JSON array of jobs, or {\"jobs\": [...]}");
            }
            List<Requests.Enqueue> list = new ArrayList<>();
            for (JsonNode j : jobs) {
                try {
                    list.add(Json.mapper().treeToValue(j, Requests.Enqueue.class));
                } catch (JsonProcessingException e) {
                    throw usage("--batch: job " + (list.size() + 1) + " is not a POST /jobs body: " + Failures.json(e));
                }
            }
            ApiClient.Answer a = api().send("POST", "/api/v1/jobs/batch", new Requests.EnqueueBatch(list), headers);
            List<JsonNode> created = new ArrayList<>();
            a.body().path("jobs").forEach(created::add);
            print().list(created, JobRows.table(created, print()));
            return ExitCodes.OK;
        }
        ApiClient.Answer a = api().send("POST", "/api/v1/jobs", what.one.body(System.in), headers);
        Job job = JobRows.typed(a.body());
        print().value(a.body(), () -> {
            print().out().println(job.id());
            print().note(a.header("Baton-Deduplicated", "true")
                    ? "(deduplicated: job " + job.id() + " with unique key " + job.uniqueKey() + " is already " + job.status().name().toLowerCase() + ")"
                    : "(enqueued job " + job.id() + " in queue " + job.queue() + ", " + job.status().name().toLowerCase() + ")");
        });
        return ExitCodes.OK;
    }
}
