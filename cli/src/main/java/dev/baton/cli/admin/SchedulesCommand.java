package dev.baton.cli.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.Args;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.CommandGroup;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Failures;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "schedules", description = "Cron schedules that enqueue a job on each tick.",
        subcommands = {SchedulesCommand.ListSchedules.class, SchedulesCommand.ShowSchedule.class,
                SchedulesCommand.PutSchedule.class, SchedulesCommand.DeleteSchedule.class})
public final class SchedulesCommand extends CommandGroup {

    static Table table(List<JsonNode> schedules, Printer p) {
        Table t = new Table("NAME", "CRON", "TIMEZONE", "CATCH UP", "QUEUE", "TYPE", "NEXT RUN", "UPDATED");
        for (JsonNode s : schedules) {
            t.row(s.path("name").asText(), s.path("cron").asText(), s.path("timezone").asText(), s.path("catchUp").asText(),
                    s.path("job").path("queue").asText("default"), s.path("job").path("type").asText(),
                    p.times().format(s.path("nextRunAt").asText(null)), p.times().format(s.path("updatedAt").asText(null)));
        }
        return t;
    }

    @Command(name = "list", aliases = "ls", description = "Every schedule.")
    static final class ListSchedules extends BatonCommand {
        @Override
        public Integer call() {
            List<JsonNode> all = new ArrayList<>();
            api().get("/api/v1/schedules").forEach(all::add);
            print().list(all, table(all, print()));
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", aliases = "get", description = "One schedule, with its job.")
    static final class ShowSchedule extends BatonCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            JsonNode s = api().get("/api/v1/schedules/" + ApiClient.encode(name));
            print().value(s, () -> {
                table(List.of(s), print()).print(print().out(), print().colour());
                print().out().println("job: " + Json.write(s.path("job")));
            });
            return ExitCodes.OK;
        }
    }

    @Command(name = "put", description = {"Create or replace a schedule (PUT replaces it whole: absent fields take their defaults).",
            "A changed cron, timezone or job cancels the jobs it enqueued ahead of their tick."})
    static final class PutSchedule extends BatonCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--file", paramLabel = "JSON|@FILE|-",
                description = "The whole PUT body: {\"cron\", \"timezone\", \"catchUp\", \"job\"} (no other flag beside it).")
        String file;

        @Option(names = "--cron", paramLabel = "CRON", description = "Six fields, seconds first: \"0 */5 * * * *\".")
        String cron;

        @Option(names = "--timezone", paramLabel = "ZONE", description = "An IANA zone (default UTC).")
        String timezone;

        @Option(names = "--catch-up", paramLabel = "MODE", description = "all (default), latest or none.")
        String catchUp;

        @Option(names = "--type", paramLabel = "TYPE", description = "The job's type.")
        String type;

        @Option(names = "--queue", paramLabel = "QUEUE")
        String queue;

        @Option(names = "--payload", paramLabel = "JSON|@FILE|-")
        String payload;

        @Option(names = "--priority", paramLabel = "N")
        Integer priority;

        @Option(names = "--max-attempts", paramLabel = "N")
        Integer maxAttempts;

        @Option(names = "--label", paramLabel = "K=V")
        List<String> labels = new ArrayList<>();

        @Override
        public Integer call() {
            Requests.PutSchedule body;
            if (file != null) {
                // The file is the whole body: a flag beside it would be silently ignored, so it is refused (defect 14).
                List<String> beside = spec.commandLine().getParseResult().matchedOptions().stream()
                        .filter(o -> !o.inherited() && !o.longestName().equals("--file"))
                        .map(OptionSpec::longestName).distinct().toList();
                if (!beside.isEmpty()) {
                    throw usage("--file holds the whole schedule: give " + String.join(", ", beside)
                            + " in the file, or every field as flags without --file");
                }
                try {
                    body = Json.mapper().treeToValue(Args.json(file, "--file", System.in), Requests.PutSchedule.class);
                } catch (JsonProcessingException e) {
                    throw usage("--file is not a schedule: " + Failures.json(e));
                }
            } else {
                if (cron == null || type == null) {
                    throw usage("give --cron and --type (and the job's other fields), or the whole body with --file");
                }
                body = new Requests.PutSchedule(cron, timezone, catchUp, new Requests.Enqueue(queue, type,
                        Args.json(payload, "--payload", System.in), priority, null, null, maxAttempts, null,
                        Args.labels(labels), null, null));
            }
            ApiClient.Answer a = api().send("PUT", "/api/v1/schedules/" + ApiClient.encode(name), body, Map.of());
            print().value(a.body(), () -> {
                table(List.of(a.body()), print()).print(print().out(), print().colour());
                print().note(a.status() == 201 ? "(created)" : "(replaced)");
            });
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", aliases = "rm", description = "Delete a schedule; the jobs it enqueued ahead of their tick are cancelled.")
    static final class DeleteSchedule extends BatonCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            api().send("DELETE", "/api/v1/schedules/" + ApiClient.encode(name), null, Map.of());
            print().note("schedule " + name + " deleted");
            return ExitCodes.OK;
        }
    }
}
