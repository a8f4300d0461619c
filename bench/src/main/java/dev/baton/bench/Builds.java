package dev.baton.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker builds one comparison runs ({@code --jars a.jar,b.jar}), each with a label, and
 * what {@link WorkerCpu} and {@link ClientLoop} share: the interleaved order of the rounds and
 * the queue they fill.
 */
record Builds(List<String> jars, List<String> labels) {

    static Builds of(Args args) {
        List<String> jars = List.of(args.text("jars", "worker/target/baton-worker.jar").split(","));
        List<String> labels = jars.stream().map(Builds::label).toList();
        if (labels.stream().distinct().count() != labels.size()) {
            throw new IllegalArgumentException("--jars: two jars with the same label " + labels);
        }
        return new Builds(jars, labels);
    }

    /** The builds' indexes in round {@code round}: as given in odd rounds, reversed in even ones. */
    List<Integer> order(int round) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < jars.size(); i++) {
            order.add(round % 2 == 1 ? i : jars.size() - 1 - i);
        }
        return order;
    }

    /** The jar's file name without {@code .jar}, or its directory's name for {@code …/baton-worker.jar}. */
    static String label(String jar) {
        Path p = Path.of(jar);
        String name = p.getFileName().toString().replaceFirst("\\.jar$", "");
        if (name.equals("baton-worker") && p.getParent() != null && p.getParent().getFileName() != null) {
            name = p.getParent().getFileName().toString();
        }
        return name.replaceAll("[^A-Za-z0-9]+", "_");
    }

    /** Per-run values as {@code 1.0/2.0/3.0}, in the order run. */
    static String joined(List<Double> values) {
        return String.join("/", values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList());
    }

    /** Enqueues {@code jobs} copies of {@code job}, 500 per request, two requests at a time. */
    static void enqueue(Api api, int jobs, Map<String, Object> job) throws Exception {
        AtomicInteger left = new AtomicInteger(jobs);
        RawSql.parallel(2, t -> {
            int n;
            while ((n = RawSql.take(left, 500)) > 0) {
                api.post("/api/v1/jobs/batch", Map.of("jobs", Collections.nCopies(n, job)));
            }
        });
    }
}
