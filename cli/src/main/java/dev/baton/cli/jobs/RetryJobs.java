package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.Args;
import dev.baton.cli.http.ApiClient;
import dev.baton.common.Requests;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "retry", description = {"Queue failed or cancelled jobs again: by id, or every job a filter matches (--yes).",
        "e.g. baton jobs retry --status failed --queue email --rps 50 --yes"})
final class RetryJobs extends JobAction {
    @Option(names = "--run-at", paramLabel = "WHEN", description = "When to run it: a time or how long from now (by id only).")
    String runAt;

    @Option(names = "--max-attempts", paramLabel = "N", description = "Raise the job's maxAttempts (by id only).")
    Integer maxAttempts;

    @Option(names = "--expected-version", paramLabel = "N", description = "Refuse (409) unless the job is at this version.")
    Long expectedVersion;

    @Override
    String verb() {
        return "retry";
    }

    @Override
    String action() {
        return "retry";
    }

    @Override
    List<String> statuses() {
        return List.of("failed", "cancelled");
    }

    @Override
    JsonNode one(String id) {
        Instant at = runAt == null ? null : Args.future(runAt, Instant.now());
        return api().post("/api/v1/jobs/" + ApiClient.encode(id) + "/retry",
                new Requests.Retry(expectedVersion, at, maxAttempts)).body();
    }

    @Override
    void checkBulk() {
        if (runAt != null || maxAttempts != null || expectedVersion != null) {
            throw usage("--run-at, --max-attempts and --expected-version act on jobs named by id; a bulk retry "
                    + "(POST /jobs/bulk) takes none of them and uses the version each job was listed at");
        }
    }
}
