package dev.baton.chaos;

import dev.baton.chaos.check.Verdict;
import dev.baton.chaos.check.Window;
import dev.baton.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a run leaves beside its history ({@code run.json}) so that it can be checked again later
 * ({@code --recheck}): its options, when the load ran, the faults as applied, and the verdicts
 * only the live run could reach (processes that died, faults that failed).
 */
record RunRecord(Options options, long startMs, long endMs, List<Window> windows, List<Verdict> processVerdicts) {
    static final String FILE = "run.json";

    static void write(Path dir, RunRecord run) throws IOException {
        Files.writeString(dir.resolve(FILE), Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(run));
    }

    static RunRecord read(Path dir) throws IOException {
        return Json.mapper().readValue(dir.resolve(FILE).toFile(), RunRecord.class);
    }
}
