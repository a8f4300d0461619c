package dev.baton.cli.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.CliException;
import dev.baton.cli.http.ApiError;
import dev.baton.common.Json;
import java.io.PrintStream;
import java.util.List;

/** Where a command's answer goes, in the form {@code -o} asked for; errors go to stderr. */
public final class Printer {
    private final PrintStream out;
    private final PrintStream err;
    private final Format format;
    private final Times times;
    private final Colour colour;

    public Printer(PrintStream out, PrintStream err, Format format, Times times, Colour colour) {
        this.out = out;
        this.err = err;
        this.format = format;
        this.times = times;
        this.colour = colour;
    }

    public Format format() {
        return format;
    }

    public boolean human() {
        return format == Format.TABLE;
    }

    public Times times() {
        return times;
    }

    public Colour colour() {
        return colour;
    }

    public PrintStream out() {
        return out;
    }

    /** A list: the table for people, a JSON array, or one item per line. */
    public void list(List<JsonNode> items, Table table) {
        switch (format) {
            case TABLE -> {
                if (table.isEmpty()) {
                    out.println("(none)");
                } else {
                    table.print(out, colour);
                }
            }
            case JSON -> out.println(pretty(Json.mapper().valueToTree(items)));
            case JSONL -> items.forEach(this::line);
        }
    }

    /** One value: {@code human} prints it for people; otherwise it is printed as JSON. */
    public void value(JsonNode node, Runnable human) {
        switch (format) {
            case TABLE -> human.run();
            case JSON -> out.println(pretty(node));
            case JSONL -> line(node);
        }
    }

    /** {@code name: value} lines, the names aligned. */
    public void fields(String[][] pairs) {
        int w = 0;
        for (String[] p : pairs) {
            w = Math.max(w, p[0].length());
        }
        for (String[] p : pairs) {
            out.println(colour.bold(p[0] + ":") + " ".repeat(w - p[0].length() + 1) + (p[1] == null ? "-" : Text.visible(p[1])));
        }
    }

    /** A JSON value on one line (jsonl). */
    public void line(JsonNode node) {
        out.println(Json.write(node));
    }

    /** A note for people on stderr (never mixed into what a script reads from stdout). */
    public void note(String text) {
        err.println(text);
    }

    /** A command that failed: the message for people, or the problem+json on one line for scripts. */
    public void error(CliException e) {
        if (!human() && e instanceof ApiError api && api.problem().isObject()) {
            err.println(Json.write(api.problem()));
            return;
        }
        err.println(colour.red("error:") + " " + Text.visible(e.getMessage()));
        if (e instanceof ApiError api) {
            for (JsonNode f : api.problem().path("errors")) {
                String field = f.path("field").asText() + ": " + f.path("message").asText();
                if (!e.getMessage().contains(field)) { // one field error is the detail already (hostile review, defect 18)
                    err.println("  " + Text.visible(field));
                }
            }
            if (api.problem().path("seqs").isArray()) {
                err.println("  seqs: " + api.problem().path("seqs"));
            }
            JsonNode job = api.job();
            if (job.isObject()) {
                err.println("  the job now: " + Text.visible(JobSummary.line(job, times)));
            }
        }
    }

    public static String pretty(JsonNode node) {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
