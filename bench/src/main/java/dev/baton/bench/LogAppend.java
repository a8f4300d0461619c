package dev.baton.bench;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Figure 4, log append cost at 1,000 and at 100,000 lines in one job's log. Two running jobs:
 * A's log is filled to line 500 and B's to line 99,000, then appends of {@code --batch} lines
 * alternate between them, A through lines 501–1,500 and B through 99,001–100,000 (the default
 * per-attempt cap), so both sides see the same machine load. Each append is one
 * POST /jobs/{id}/logs, timed by the client. The raw-SQL limit does the same with Baton's
 * append statement over JDBC. Before measuring, 3,000 lines go to a third job to warm the
 * coordinator up. Target: near 100,000 costs at most 1.5× near 1,000.
 *
 * <pre>bench/run.sh log-append [--batch 10]</pre>
 */
public final class LogAppend {
    private static final String QUEUE = "logs";
    private static final String MESSAGE = "bench line: the quick brown fox jumps over the lazy dog, 0123456789 abcdefghij";
    private static final int SMALL_FROM = 501;
    private static final int LARGE_FROM = 99_001;
    private static final int SPAN = 1000;

    /** Appends lines {@code first…first+count-1} to job {@code i} (0 = A, 1 = B). */
    interface Appender {
        void append(int i, int first, int count) throws Exception;
    }

    record Costs(Stats small, Stats large) {
        double ratio() {
            return Line.ratio(large.p50(), small.p50());
        }
    }

    public static void main(String[] argv) throws Exception {
        try (Bench b = new Bench("log-append", argv)) {
            int batch = (int) b.args.integer("batch", 10);
            b.args.rejectUnknown();
            if (SPAN % batch != 0) {
                throw new IllegalArgumentException("--batch must divide 1000");
            }
            String load = Bench.loadavg();
            Costs baton = baton(b, batch);
            String loadMid = Bench.loadavg();
            Costs raw = raw(b, batch);
            new Line("log_append").add("batch", batch).add("samples", SPAN / batch)
                    .add("at_1k_p50_ms", baton.small().p50()).add("at_100k_p50_ms", baton.large().p50())
                    .add("growth", baton.ratio())
                    .add("at_1k_p90_ms", baton.small().p90()).add("at_100k_p90_ms", baton.large().p90())
                    .add("raw_at_1k_p50_ms", raw.small().p50()).add("raw_at_100k_p50_ms", raw.large().p50())
                    .add("raw_growth", raw.ratio())
                    .add("ratio_to_raw_at_100k", Line.ratio(baton.large().p50(), raw.large().p50()))
                    .add("load_before", load).add("load_mid", loadMid).add("load_after", Bench.loadavg()).print();
        }
    }

    private static Costs baton(Bench b, int batch) throws Exception {
        String db = b.createDatabase("log_append");
        Bench.Coordinator c = b.startCoordinators(1, db).get(0);
        try {
            Api worker = new Api(c.url(), b.workerToken);
            List<Sql.Lease> leases = Leases.viaHttp(new Api(c.url(), b.adminToken), worker, QUEUE, 3);
            warmUp(leases.get(2), worker, batch);
            Costs costs = measure("baton", batch, (i, first, count) -> {
                List<Map<String, Object>> entries = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    entries.add(Map.of("seq", first + k, "level", "info", "message", MESSAGE));
                }
                Sql.Lease l = leases.get(i);
                int accepted = worker.post("/api/v1/jobs/" + l.id() + "/logs",
                        Map.of("leaseToken", l.token(), "entries", entries)).get("accepted").asInt();
                if (accepted != count) {
                    throw new IllegalStateException("accepted " + accepted + " of " + count);
                }
            });
            try (Connection conn = b.connect(db)) {
                long lines = Sql.scalar(conn, "select count(*) from job_logs where job_id = ?", leases.get(1).id());
                if (lines != LARGE_FROM - 1 + SPAN) {
                    throw new IllegalStateException("job B holds " + lines + " lines");
                }
            }
            return costs;
        } finally {
            b.stop(List.of(c.proc()));
            b.dropDatabase(db);
        }
    }

    /** The coordinator's JIT and pool warm up on a third job, with appends of the measured size. */
    private static void warmUp(Sql.Lease lease, Api worker, int batch) {
        for (int first = 1; first <= 3000; first += batch) {
            List<Map<String, Object>> entries = new ArrayList<>(batch);
            for (int k = 0; k < batch; k++) {
                entries.add(Map.of("seq", first + k, "level", "info", "message", MESSAGE));
            }
            worker.post("/api/v1/jobs/" + lease.id() + "/logs", Map.of("leaseToken", lease.token(), "entries", entries));
        }
    }

    private static Costs raw(Bench b, int batch) throws Exception {
        String db = b.createDatabase("log_append_raw");
        b.migrate(db);
        try (Connection c = b.connect(db)) {
            List<Sql.Lease> leases = Leases.viaSql(c, QUEUE, 2);
            return measure("raw", batch, (i, first, count) -> {
                if (Sql.append(c, leases.get(i), first, count, MESSAGE) != count) {
                    throw new IllegalStateException("raw append stored fewer lines");
                }
            });
        } finally {
            b.dropDatabase(db);
        }
    }

    private static Costs measure(String what, int batch, Appender appender) throws Exception {
        appender.append(0, 1, SMALL_FROM - 1);
        for (int first = 1; first < LARGE_FROM; first += 1000) {
            appender.append(1, first, Math.min(1000, LARGE_FROM - first));
        }
        List<Double> small = new ArrayList<>();
        List<Double> large = new ArrayList<>();
        for (int k = 0; k < SPAN / batch; k++) {
            // Alternate which goes first, so neither side always follows the other.
            for (int side : k % 2 == 0 ? new int[] {0, 1} : new int[] {1, 0}) {
                int first = (side == 0 ? SMALL_FROM : LARGE_FROM) + k * batch;
                long t0 = System.nanoTime();
                appender.append(side, first, batch);
                (side == 0 ? small : large).add((System.nanoTime() - t0) / 1e6);
            }
        }
        Costs c = new Costs(Stats.of(small), Stats.of(large));
        Bench.log("%s append of %d lines: p50 %.2f ms near line 1,000, %.2f ms near line 100,000 (%.2fx; load %s)",
                what, batch, c.small().p50(), c.large().p50(), c.ratio(), Bench.loadavg());
        return c;
    }
}
