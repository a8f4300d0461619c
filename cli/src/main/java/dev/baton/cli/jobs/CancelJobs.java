package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.http.ApiClient;
import dev.baton.common.Requests;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "cancel", description = {"Cancel queued or running jobs: by id, or every job a filter matches (--yes).",
        "e.g. baton jobs cancel --queue email --status queued --dry-run"})
final class CancelJobs extends JobAction {
    @Option(names = "--reason", paramLabel = "TEXT", description = "Kept in the cancelled event (by id only: the bulk route takes none).")
    String reason;

    @Option(names = "--expected-version", paramLabel = "N", description = "Refuse (409) unless the job is at this version (one id only).")
    Long expectedVersion;

    @Override
    String verb() {
        return "cancel";
    }

    @Override
    String action() {
        return "cancel";
    }

    @Override
    List<String> statuses() {
        return List.of("queued", "running");
    }

    @Override
    JsonNode one(String id) {
        return api().post("/api/v1/jobs/" + ApiClient.encode(id) + "/cancel", new Requests.Cancel(expectedVersion, reason)).body();
    }

    @Override
    void checkBulk() {
        if (reason != null || expectedVersion != null) {
            throw usage("--reason and --expected-version act on jobs named by id; POST /jobs/bulk takes neither "
                    + "(a bulk cancel uses the version each job was listed at)");
        }
    }
}
