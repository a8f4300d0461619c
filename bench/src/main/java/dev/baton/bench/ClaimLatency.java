package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.db.BenchStatements;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figure 5, claim latency with 1,000,000 finished jobs in the table vs an empty one. Two
 * databases, each with its own coordinator: "full" gets {@code --finished} succeeded rows by
 * one INSERT … generate_series, then both get VACUUM ANALYZE and the same backlog of queued
 * jobs (1,000 plus those the phase will claim, topped up again before the raw phase). Claims of one job (POST /claims, waitMs 0) then alternate between the two, each
 * timed by the client and completed untimed, so both sides see the same machine load. The
 * raw-SQL limit times Baton's claim statement over JDBC the same way. Target: within 1.5×.
 * The plan of the claim on the full table is written to claim-plan.txt in the log directory.
 *
 * <pre>bench/run.sh claim-latency [--finished 1000000] [--claims 500]</pre>
 */
public final class ClaimLatency {
    private static final String QUEUE = RawSql.QUEUE;
    /** Queued jobs left when a phase ends; each phase starts with this plus what it will claim. */
    private static final int BACKLOG = 1000;
    private static final int WARMUP = 100;

    record Latencies(Stats empty, Stats full) {
        double ratio() {
            return Line.ratio(full.p50(), empty.p50());
        }
    }

    interface Claimer {
        /** Claims one job on side {@code i} (0 = empty, 1 = full); returns the lease to complete. */
        Sql.Lease claim(int i) throws Exception;

        void complete(int i, Sql.Lease lease) throws Exception;
    }

    public static void main(String[] argv) throws Exception {
        try (Bench b = new Bench("claim-latency", argv)) {
            long finished = b.args.integer("finished", 1_000_000);
            int claims = (int) b.args.integer("claims", 500);
            b.args.rejectUnknown();
            String load = Bench.loadavg();
            String empty = b.createDatabase("claim_empty");
            String full = b.createDatabase("claim_full");
            Bench.Coordinator ce = b.startCoordinator("empty", empty);
            Bench.Coordinator cf = b.startCoordinator("full", full);
            fill(b, full, finished);
            for (String db : List.of(empty, full)) {
                try (Connection c = b.connect(db); Statement s = c.createStatement()) {
                    s.execute("vacuum analyze jobs");
                }
            }
            List<Api> workers = List.of(new Api(ce.url(), b.workerToken), new Api(cf.url(), b.workerToken));
            int backlog = BACKLOG + WARMUP + claims;
            for (String db : List.of(empty, full)) {
                topUp(b, db, backlog);
            }
            explain(b, full);
            Claimer http = new Claimer() {
                @Override
                public Sql.Lease claim(int i) {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("workerId", "bench");
                    body.put("queues", List.of(QUEUE));
                    body.put("limit", 1);
                    body.put("waitMs", 0);
                    body.put("leaseMs", 30_000);
                    JsonNode j = workers.get(i).post("/api/v1/claims", body).get("jobs").get(0);
                    return new Sql.Lease(Long.parseLong(j.get("id").asText()), j.get("leaseToken").asText(), 0);
                }

                @Override
                public void complete(int i, Sql.Lease l) {
                    workers.get(i).post("/api/v1/jobs/" + l.id() + "/complete", Map.of("leaseToken", l.token()));
                }
            };
            measure("warm-up", WARMUP, http);
            Latencies baton = measure("baton", claims, http);
            b.stop(List.of(ce.proc(), cf.proc()));
            String loadMid = Bench.loadavg();

            Latencies raw;
            for (String db : List.of(empty, full)) {
                topUp(b, db, backlog);
            }
            try (Connection e = b.connect(empty); Connection f = b.connect(full)) {
                List<Connection> conns = List.of(e, f);
                Claimer sql = new Claimer() {
                    @Override
                    public Sql.Lease claim(int i) throws Exception {
                        return Sql.claim(conns.get(i), QUEUE, "raw", 1, 30_000).get(0);
                    }

                    @Override
                    public void complete(int i, Sql.Lease lease) throws Exception {
                        Sql.complete(conns.get(i), lease);
                    }
                };
                measure("raw warm-up", WARMUP, sql);
                raw = measure("raw", claims, sql);
            }
            new Line("claim_latency").add("finished_rows", finished).add("claims", claims)
                    .add("empty_p50_ms", baton.empty().p50()).add("full_p50_ms", baton.full().p50())
                    .add("ratio", baton.ratio())
                    .add("empty_p99_ms", baton.empty().p99()).add("full_p99_ms", baton.full().p99())
                    .add("raw_empty_p50_ms", raw.empty().p50()).add("raw_full_p50_ms", raw.full().p50())
                    .add("raw_ratio", raw.ratio())
                    .add("ratio_to_raw_full", Line.ratio(baton.full().p50(), raw.full().p50()))
                    .add("load_before", load).add("load_mid", loadMid).add("load_after", Bench.loadavg()).print();
        }
    }

    /** Enqueues (with Baton's statement) until {@code queued} jobs are queued, so both phases start alike. */
    private static void topUp(Bench b, String db, int queued) throws Exception {
        try (Connection c = b.connect(db)) {
            long missing = queued - Sql.scalar(c, "select count(*) from jobs where status = 'queued'");
            for (long left = missing; left > 0; left -= 1000) {
                Sql.enqueue(c, QUEUE, (int) Math.min(left, 1000));
            }
            try (Statement s = c.createStatement()) {
                s.execute("analyze jobs");
            }
        }
    }

    /** {@code rows} succeeded jobs, as a drained queue leaves them, in one statement. */
    private static void fill(Bench b, String db, long rows) throws Exception {
        long t0 = System.nanoTime();
        try (Connection c = b.connect(db); Statement s = c.createStatement()) {
            s.execute("""
                    insert into jobs (queue, type, payload, priority, status, attempt, max_attempts, run_at, created_at,
                                      updated_at, started_at, finished_at, version, worker_id, settled_lease_token,
                                      settled_outcome, result, labels, timeout_seconds, backoff_initial_ms,
                                      backoff_factor, backoff_max_ms, backoff_jitter)
                    select '%s', 'baton.echo', '{}', 0, 'succeeded', 1, 5, t, t, t + interval '5 ms', t + interval '1 ms',
                           t + interval '5 ms', 3, 'bench-fill', md5(g::text), 'completed', '{}', '{}', 3600, 1000,
                           2.0, 3600000, 0.1
                    from generate_series(1, %d) g,
                         lateral (select now() - interval '2 days' + g * interval '10 ms' as t) x
                    """.formatted(QUEUE, rows));
        }
        Bench.log("inserted %d finished jobs in %.1f s", rows, (System.nanoTime() - t0) / 1e9);
    }

    private static void explain(Bench b, String db) throws Exception {
        try (Connection c = b.connect(db)) {
            c.setAutoCommit(false);
            StringBuilder plan = new StringBuilder();
            try (var ps = BenchStatements.explainClaim(c, QUEUE, "explain", 1, 30_000)) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
            } finally {
                c.rollback();
            }
            Files.writeString(b.logDir.resolve("claim-plan.txt"), plan);
        }
    }

    private static Latencies measure(String what, int rounds, Claimer claimer) throws Exception {
        List<List<Double>> ms = List.of(new ArrayList<>(), new ArrayList<>());
        for (int k = 0; k < rounds; k++) {
            for (int side : k % 2 == 0 ? new int[] {0, 1} : new int[] {1, 0}) {
                long t0 = System.nanoTime();
                Sql.Lease lease = claimer.claim(side);
                ms.get(side).add((System.nanoTime() - t0) / 1e6);
                claimer.complete(side, lease);
            }
        }
        Latencies l = new Latencies(Stats.of(ms.get(0)), Stats.of(ms.get(1)));
        Bench.log("%s claim: p50 %.2f ms empty, %.2f ms with the finished rows (%.2fx); p99 %.2f / %.2f (load %s)",
                what, l.empty().p50(), l.full().p50(), l.ratio(), l.empty().p99(), l.full().p99(), Bench.loadavg());
        return l;
    }
}
