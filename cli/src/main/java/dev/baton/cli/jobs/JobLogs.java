package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Values;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.output.Format;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Text;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", description = {"A job's log lines in the order they were written.",
        "With --follow, new lines as they come until the job is finished (-o json prints one line per entry, as jsonl)."})
final class JobLogs extends BatonCommand {
    private static final int PAGE = 1000;

    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the job is finished.")
    boolean follow;

    @Option(names = "--attempt", paramLabel = "N", converter = Values.Count.class,
            description = "Only the lines of attempt N (1 to the attempts made; with --follow, to maxAttempts).")
    Integer attempt;

    @Override
    public Integer call() {
        String job = "/api/v1/jobs/" + ApiClient.encode(id);
        if (attempt != null) {
            checkAttempt(api().get(job));
        }
        return follow ? follow(job + "/logs") : page(job + "/logs");
    }

    /**
     * An attempt the job has not made (or, followed while it is not finished, can never make) has no
     * lines: a usage error rather than an empty answer (hostile review, defect 16).
     */
    private void checkAttempt(JsonNode job) {
        int made = job.path("attempt").asInt();
        boolean finished = List.of("succeeded", "failed", "cancelled").contains(job.path("status").asText());
        int most = follow && !finished ? job.path("maxAttempts").asInt() : made;
        if (attempt > most) {
            throw usage("--attempt " + attempt + ": job " + id + " has made " + (made == 0 ? "no attempt yet" : made + " attempt(s)")
                    + (follow && !finished ? " and can make at most " + most : ""));
        }
    }

    private int page(String path) {
        List<JsonNode> lines = new ArrayList<>();
        String after = null;
        while (true) {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("after", after);
            q.put("limit", PAGE);
            JsonNode page = api().get(ApiClient.query(path, q));
            for (JsonNode line : page.path("items")) {
                if (wanted(line)) {
                    lines.add(line);
                }
            }
            after = page.path("nextCursor").asText(null);
            if (page.path("items").size() < PAGE || after == null) {
                break;
            }
        }
        if (print().human()) {
            lines.forEach(this::human);
        } else {
            print().list(lines, null);
        }
        return ExitCodes.OK;
    }

    private int follow(String path) {
        String status = LogFollower.follow(api(), id, line -> {
            if (wanted(line)) {
                if (print().format() == Format.TABLE) {
                    human(line);
                } else {
                    print().line(line);
                }
                print().out().flush();
            }
        });
        if (print().human()) {
            print().note("(job " + id + " is " + status + ")");
        }
        return ExitCodes.OK;
    }

    private boolean wanted(JsonNode line) {
        return attempt == null || line.path("attempt").asInt() == attempt;
    }

    private void human(JsonNode line) {
        Printer p = print();
        String level = line.path("level").asText();
        String shown = switch (level) {
            case "error" -> p.colour().red(String.format("%-5s", level));
            case "warn" -> p.colour().yellow(String.format("%-5s", level));
            default -> String.format("%-5s", level);
        };
        p.out().println(p.colour().dim(p.times().format(line.path("at").asText(null))) + "  #" + line.path("attempt").asText()
                + "  " + shown + "  " + Text.visible(line.path("message").asText()));
    }
}
