package dev.baton.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.output.Table;
import java.util.ArrayList;
import java.util.List;
import dev.baton.cli.CommandGroup;
import picocli.CommandLine.Command;

@Command(name = "workers", description = "Live workers.", subcommands = WorkersCommand.ListWorkers.class)
public final class WorkersCommand extends CommandGroup {
    @Command(name = "list", aliases = "ls", description = "Live workers (from Redis: empty while Redis is away).")
    static final class ListWorkers extends BatonCommand {
        @Override
        public Integer call() {
            List<JsonNode> workers = new ArrayList<>();
            api().get("/api/v1/workers").forEach(workers::add);
            Table t = new Table("WORKER", "QUEUES", "RUNNING JOBS", "LAST SEEN");
            for (JsonNode w : workers) {
                List<String> queues = new ArrayList<>();
                w.path("queues").forEach(q -> queues.add(q.asText()));
                t.row(w.path("workerId").asText(), String.join(",", queues), w.path("runningJobs").asText(),
                        print().times().format(w.path("lastSeenAt").asText(null)));
            }
            print().list(workers, t);
            return ExitCodes.OK;
        }
    }
}
