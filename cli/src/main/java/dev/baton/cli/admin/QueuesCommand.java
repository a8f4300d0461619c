package dev.baton.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.CliException;
import dev.baton.cli.CommandGroup;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Values;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.cli.output.Times;
import dev.baton.common.Requests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "queues", description = "Queues: their counts and limits; pause, resume, set limits.",
        subcommands = {QueuesCommand.ListQueues.class, QueuesCommand.ShowQueue.class, QueuesCommand.Pause.class,
                QueuesCommand.Resume.class, QueuesCommand.SetLimits.class})
public final class QueuesCommand extends CommandGroup {

    static List<JsonNode> all(ApiClient api) {
        List<JsonNode> queues = new ArrayList<>();
        api.get("/api/v1/queues").forEach(queues::add);
        return queues;
    }

    /** The queue named {@code name} as {@code GET /queues} lists it, or exit 4 saying so. */
    static JsonNode find(ApiClient api, String name, String hint) {
        return all(api).stream().filter(n -> name.equals(n.path("name").asText())).findFirst()
                .orElseThrow(() -> new CliException(ExitCodes.NOT_FOUND, "no queue " + name
                        + " (a queue is listed once it has jobs or settings)" + hint));
    }

    static Table table(List<JsonNode> queues, Printer p) {
        Table t = new Table("NAME", "PAUSED", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "OLDEST", "MAX RUNNING", "RATE/S");
        for (JsonNode q : queues) {
            JsonNode c = q.path("counts");
            JsonNode age = q.path("oldestQueuedAgeMs");
            t.row(q.path("name").asText(), q.path("paused").asBoolean() ? p.colour().yellow("paused") : "no",
                    c.path("queued").asText("0"), c.path("running").asText("0"), c.path("succeeded").asText("0"),
                    c.path("failed").asText("0"), c.path("cancelled").asText("0"),
                    age.isNumber() ? Times.span(Duration.ofMillis(age.asLong())) : "-",
                    q.path("maxRunning").isNumber() ? q.path("maxRunning").asText() : "-",
                    q.path("ratePerSecond").isNumber() ? q.path("ratePerSecond").asText() : "-");
        }
        return t;
    }

    @Command(name = "list", aliases = "ls", description = "Every queue with its counts (succeeded, failed, cancelled may be 5 s old).")
    static final class ListQueues extends BatonCommand {
        @Override
        public Integer call() {
            List<JsonNode> queues = all(api());
            print().list(queues, table(queues, print()));
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "One queue.")
    static final class ShowQueue extends BatonCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            JsonNode q = find(api(), name, "");
            print().value(q, () -> table(List.of(q), print()).print(print().out(), print().colour()));
            return ExitCodes.OK;
        }
    }

    /**
     * PUT /queues/{name} with the fields given; prints the queue as it is afterwards. The PUT creates
     * a queue it does not know, so a name no queue has is refused (exit 4) unless {@code --create}
     * says that is meant (hostile review, defect 7).
     */
    abstract static class Update extends BatonCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--create", description = "Create the queue if there is none of this name (without it: exit 4).")
        boolean create;

        abstract Requests.QueueUpdate update();

        @Override
        public Integer call() {
            Requests.QueueUpdate update = update();
            if (!create) {
                find(api(), name, ": check the name, or add --create to make it");
            }
            api().send("PUT", "/api/v1/queues/" + ApiClient.encode(name), update, Map.of());
            JsonNode q = all(api()).stream().filter(n -> name.equals(n.path("name").asText())).findFirst().orElse(null);
            if (q == null) {
                print().note("queue " + name + " updated");
            } else {
                print().value(q, () -> table(List.of(q), print()).print(print().out(), print().colour()));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "pause", description = "Hand out no more jobs of the queue (running ones go on).")
    static final class Pause extends Update {
        @Override
        Requests.QueueUpdate update() {
            return new Requests.QueueUpdate(true, null, null);
        }
    }

    @Command(name = "resume", description = "Hand out the queue's jobs again.")
    static final class Resume extends Update {
        @Override
        Requests.QueueUpdate update() {
            return new Requests.QueueUpdate(false, null, null);
        }
    }

    @Command(name = "set", description = {"Set the queue's limits across the whole cluster.",
            "A limit once set cannot be removed through the API yet: set a large one."})
    static final class SetLimits extends Update {
        @Option(names = "--max-running", paramLabel = "N", converter = Values.MaxRunning.class,
                description = "At most N of its jobs running at once (0 to 1000000).")
        Integer maxRunning;

        @Option(names = "--rate", paramLabel = "R", converter = Values.Rate.class,
                description = "At most R job starts a second (0.001 to 1000000).")
        Double rate;

        @Override
        Requests.QueueUpdate update() {
            if (maxRunning == null && rate == null) {
                throw usage("give --max-running, --rate or both");
            }
            return new Requests.QueueUpdate(null, maxRunning, rate);
        }
    }
}
