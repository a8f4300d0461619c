package dev.baton.chaos;

import dev.baton.chaos.check.DbState;
import dev.baton.chaos.check.Verdict;
import dev.baton.chaos.check.Window;
import dev.baton.chaos.workload.Op;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What a run prints at its end: the faults, how fast each kind healed, throughput, and every invariant. */
record Report(Options options, List<Window> windows, List<Op> ops, DbState db, long runStartMs, long runEndMs,
              List<Verdict> verdicts) {

    long passed() {
        return verdicts.stream().filter(Verdict::passed).count();
    }

    long failed() {
        return verdicts.size() - passed();
    }

    void print(PrintStream out) {
        double seconds = (runEndMs - runStartMs) / 1000.0;
        out.printf("%nchaos run: seed %d, %.1f min, %d coordinators, %d worker processes, %.0f jobs/s offered%n",
                options.seed(), options.minutes(), options.coordinators(), options.workers(), options.rate());
        out.printf("rerun: bench/run.sh chaos --seed %d --minutes %s --coordinators %d --workers %d --rate %s%n",
                options.seed(), trim(options.minutes()), options.coordinators(), options.workers(), trim(options.rate()));
        out.printf("%nfaults injected: %d%n", windows.size());
        Map<String, List<Window>> byKind = windows.stream().collect(Collectors.groupingBy(Window::kind, TreeMap::new,
                Collectors.toList()));
        out.printf("  %-24s %5s %14s %14s%n", "kind", "count", "recovery p50", "recovery p99");
        byKind.forEach((kind, list) -> {
            List<Long> recoveries = new ArrayList<>();
            for (Window w : list) {
                long r = recovery(w);
                if (r >= 0) {
                    recoveries.add(r);
                }
            }
            recoveries.sort(null);
            out.printf("  %-24s %5d %12s %14s%n", kind, list.size(), ms(percentile(recoveries, 0.5)),
                    ms(percentile(recoveries, 0.99)));
        });
        long okOps = ops.stream().filter(Op::ok).count();
        long unknown = ops.stream().filter(o -> o.outcome() == Op.Outcome.UNKNOWN).count();
        long succeeded = db.jobs().values().stream().filter(j -> j.status().equals("succeeded")
                && j.finishedAtMs() >= runStartMs && j.finishedAtMs() <= runEndMs).count();
        out.printf("%nthroughput under faults: %,.0f jobs/s completed, %,.0f operations/s (%,d operations: %,d ok, "
                        + "%,d refused, %,d unknown outcome), %,d jobs in all%n",
                succeeded / seconds, ops.size() / seconds, ops.size(), okOps, ops.size() - okOps - unknown, unknown,
                db.jobs().size());
        Map<String, Long> byOp = ops.stream().collect(Collectors.groupingBy(Op::kind, TreeMap::new, Collectors.counting()));
        out.println("operations by kind: " + byOp);
        out.printf("%ninvariants:%n");
        verdicts.forEach(v -> out.println("  " + v));
        out.printf("%n%d passed, %d failed%n", passed(), failed());
    }

    /** Heal → the first operation answered 2xx after it (by the coordinator the fault hit, if it hit one). */
    private long recovery(Window w) {
        long best = -1;
        for (Op op : ops) {
            if (op.ok() && op.startMs() >= w.healedMs() && (w.coordinator() < 0 || op.coordinator() == w.coordinator())) {
                long r = op.endMs() - w.healedMs();
                if (best < 0 || r < best) {
                    best = r;
                }
            }
        }
        return best;
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static String ms(long ms) {
        return ms < 0 ? "-" : String.format("%,d ms", ms);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
