package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.Args;
import dev.baton.common.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Which jobs a list or a bulk action means: the filters of {@code GET /jobs}, plus {@code --search},
 * which the API does not have and which is therefore applied here to the pages read.
 */
public final class JobFilter {
    @Option(names = "--status", paramLabel = "STATUS", description = "queued, running, succeeded, failed or cancelled.")
    String status;

    @Option(names = "--queue", paramLabel = "QUEUE")
    String queue;

    @Option(names = "--type", paramLabel = "TYPE")
    String type;

    @Option(names = "--label", paramLabel = "K=V", description = "Repeat to require several labels.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--since", paramLabel = "WHEN", description = "Created after: a time (2026-11-22T10:00:00Z) or how long ago (1h, 2d).")
    String since;

    @Option(names = "--until", paramLabel = "WHEN", description = "Created before: a time or how long ago.")
    String until;

    @Option(names = "--search", paramLabel = "TEXT",
            description = "Only jobs whose id, type, queue, unique key, labels, payload or last error contain TEXT "
                    + "(case-insensitive; matched by the CLI on the pages it reads).")
    String search;

    /** True when no filter at all was given: a bulk action on "every job" is refused. */
    public boolean isEmpty() {
        return status == null && queue == null && type == null && labels.isEmpty() && since == null && until == null
                && search == null;
    }

    /** {@code --status} as the API spells it (lower case), or null. */
    public String status() {
        return status == null ? null : status.toLowerCase(Locale.ROOT);
    }

    /** The query parameters of {@code GET /jobs} for this filter. */
    public Map<String, Object> query(Instant now) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("status", status());
        q.put("queue", queue);
        q.put("type", type);
        Map<String, String> l = Args.labels(labels);
        if (l != null) {
            List<String> pairs = new ArrayList<>();
            l.forEach((k, v) -> pairs.add(k + ":" + v));
            q.put("label", pairs);
        }
        q.put("createdAfter", since == null ? null : Args.past(since, now).toString());
        q.put("createdBefore", until == null ? null : Args.past(until, now).toString());
        return q;
    }

    /** Whether {@code job} passes {@code --search}, the one filter applied here. */
    public boolean matches(JsonNode job) {
        if (search == null) {
            return true;
        }
        String needle = search.toLowerCase(Locale.ROOT);
        for (String field : List.of("id", "type", "queue", "uniqueKey")) {
            if (job.path(field).asText("").toLowerCase(Locale.ROOT).contains(needle)) {
                return true;
            }
        }
        for (String field : List.of("labels", "payload", "lastError")) {
            JsonNode v = job.path(field);
            if (!v.isMissingNode() && !v.isNull() && Json.write(v).toLowerCase(Locale.ROOT).contains(needle)) {
                return true;
            }
        }
        return false;
    }

    /** For {@code --dry-run} and confirmations: the filter as the user gave it. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (status != null) parts.add("status=" + status);
        if (queue != null) parts.add("queue=" + queue);
        if (type != null) parts.add("type=" + type);
        labels.forEach(l -> parts.add("label " + l));
        if (since != null) parts.add("since " + since);
        if (until != null) parts.add("until " + until);
        if (search != null) parts.add("search \"" + search + "\"");
        return String.join(", ", parts);
    }

}
