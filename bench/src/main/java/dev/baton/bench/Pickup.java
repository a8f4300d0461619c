package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postgresql.PGConnection;

/**
 * Figure 2, pickup latency: jobs enqueued one at a time through coordinator A while the only
 * workers ({@code java -jar baton-worker.jar}) long-poll coordinator B, so every pickup crosses
 * Redis. Latency is created_at → started_at of each job, both stamped by the database clock
 * (the enqueue's and the claim's transaction start). Between jobs the bench waits for the job to
 * succeed and then 10–40 ms more, so each enqueue meets idle, waiting workers.
 *
 * <p>The database's own limit, measured in the same run: a plain JDBC listener doing
 * {@code LISTEN}, woken by a {@code NOTIFY} sent in the enqueue's transaction, then running
 * Baton's claim statement.
 *
 * <p>{@code --load-workers N} measures the same under load: before the first job, {@code --load-jobs}
 * echo jobs are queued on another queue and N more worker processes (default settings, listing A
 * then B) drain it while the pickups are timed; the line reports how many were done meanwhile and
 * how many were still queued at the end (more than 0: the load lasted the whole measurement).
 *
 * <pre>bench/run.sh pickup [--jobs 200] [--workers 2] [--concurrency 4] [--load-workers 0] [--load-jobs 100000]</pre>
 */
public final class Pickup {
    private static final String QUEUE = RawSql.QUEUE;

    public static void main(String[] argv) throws Exception {
        try (Bench b = new Bench("pickup", argv)) {
            int jobs = (int) b.args.integer("jobs", 200);
            int warmup = (int) b.args.integer("warmup", 30);
            int workers = (int) b.args.integer("workers", 2);
            int concurrency = (int) b.args.integer("concurrency", 4);
            int loadWorkers = (int) b.args.integer("load-workers", 0);
            int loadJobs = (int) b.args.integer("load-jobs", 100_000);
            b.args.rejectUnknown();
            String load = Bench.loadavg();
            long[] background = new long[2];
            Stats baton = baton(b, jobs, warmup, workers, concurrency, loadWorkers, loadJobs, background);
            String loadMid = Bench.loadavg();
            Stats raw = raw(b, jobs, warmup);
            new Line("pickup").add("jobs", jobs).add("workers", workers)
                    .add("p50_ms", baton.p50()).add("p90_ms", baton.p90()).add("p99_ms", baton.p99())
                    .add("max_ms", baton.max())
                    .add("raw_p50_ms", raw.p50()).add("raw_p99_ms", raw.p99()).add("raw_max_ms", raw.max())
                    .add("p50_ratio", Line.ratio(baton.p50(), raw.p50()))
                    .add("p99_ratio", Line.ratio(baton.p99(), raw.p99()))
                    .add("load_workers", loadWorkers).add("load_jobs_done", background[0])
                    .add("load_jobs_left", background[1])
                    .add("load_before", load).add("load_mid", loadMid).add("load_after", Bench.loadavg()).print();
        }
    }

    private static final String LOAD_QUEUE = "bench-load";

    private static Stats baton(Bench b, int jobs, int warmup, int workers, int concurrency, int loadWorkers,
                               int loadJobs, long[] background) throws Exception {
        String db = b.createDatabase("pickup");
        List<Bench.Coordinator> cs = b.startCoordinators(2, db);
        List<Proc> procs = new ArrayList<>();
        cs.forEach(c -> procs.add(c.proc()));
        try (Connection c = b.connect(db)) {
            Api a = new Api(cs.get(0).url(), b.adminToken);
            for (int i = 0; i < workers; i++) {
                procs.add(b.startWorker("pickup-" + i, List.of(cs.get(1).url()), QUEUE, concurrency));
            }
            if (loadWorkers > 0) {
                for (int left = loadJobs; left > 0; left -= 1000) {
                    List<Map<String, Object>> batch = new ArrayList<>();
                    for (int i = 0; i < Math.min(left, 1000); i++) {
                        batch.add(Map.of("queue", LOAD_QUEUE, "type", "baton.echo", "payload", Map.of()));
                    }
                    a.post("/api/v1/jobs/batch", Map.of("jobs", batch));
                }
                for (int i = 0; i < loadWorkers; i++) {
                    procs.add(b.startWorker("load-" + i, List.of(cs.get(0).url(), cs.get(1).url()), LOAD_QUEUE, 0));
                }
                Bench.log("pickup under load: %d echo jobs queued on %s, %d worker process(es) draining them",
                        loadJobs, LOAD_QUEUE, loadWorkers);
            }
            Bench.log("pickup: enqueue through A, %d worker(s) on B only; %d warm-up jobs (load %s)", workers, warmup,
                    Bench.loadavg());
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < warmup + jobs; i++) {
                JsonNode job = a.post("/api/v1/jobs", Map.of("queue", QUEUE, "type", "baton.echo"));
                long id = Long.parseLong(job.get("id").asText());
                awaitSucceeded(c, id);
                if (i >= warmup) {
                    ids.add(id);
                }
                Thread.sleep(ThreadLocalRandom.current().nextInt(10, 41));
            }
            Stats s = Stats.of(latencies(c, ids));
            background[0] = Sql.scalar(c, "select count(*) from jobs where queue = ? and status = 'succeeded'", LOAD_QUEUE);
            background[1] = Sql.scalar(c, "select count(*) from jobs where queue = ? and status = 'queued'", LOAD_QUEUE);
            Bench.log("pickup via Redis: p50 %.1f ms, p99 %.1f ms, max %.1f ms (background: %d done, %d left)", s.p50(),
                    s.p99(), s.max(), background[0], background[1]);
            return s;
        } finally {
            b.stop(procs);
            b.dropDatabase(db);
        }
    }

    private static Stats raw(Bench b, int jobs, int warmup) throws Exception {
        String db = b.createDatabase("pickup_raw");
        b.migrate(db);
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failure = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread listener = Thread.ofPlatform().name("raw-listener").start(() -> {
            try (Connection l = b.connect(db); Statement s = l.createStatement()) {
                s.execute("listen baton_bench");
                PGConnection pg = l.unwrap(PGConnection.class);
                while (!stop.get()) {
                    var notes = pg.getNotifications(200);
                    if (notes == null || notes.length == 0) {
                        continue;
                    }
                    List<Sql.Lease> leases;
                    while (!(leases = Sql.claim(l, QUEUE, "raw-listener", 4, 30_000)).isEmpty()) {
                        for (Sql.Lease lease : leases) {
                            Sql.complete(l, lease);
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                failure.add(e);
            }
        });
        try (Connection p = b.connect(db); Connection c = b.connect(db)) {
            Thread.sleep(300); // let the listener LISTEN first
            List<Long> ids = new ArrayList<>();
            p.setAutoCommit(false);
            for (int i = 0; i < warmup + jobs && failure.isEmpty(); i++) {
                long id;
                try (PreparedStatement ps = Sql.enqueueOne(p, QUEUE); Statement n = p.createStatement()) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        id = rs.getLong("id");
                    }
                    n.execute("notify baton_bench, '" + QUEUE + "'");
                }
                p.commit();
                awaitSucceeded(c, id);
                if (i >= warmup) {
                    ids.add(id);
                }
                Thread.sleep(ThreadLocalRandom.current().nextInt(10, 41));
            }
            if (!failure.isEmpty()) {
                throw new IllegalStateException("raw listener failed", failure.get(0));
            }
            Stats s = Stats.of(latencies(c, ids));
            Bench.log("pickup, raw LISTEN/NOTIFY: p50 %.1f ms, p99 %.1f ms, max %.1f ms", s.p50(), s.p99(), s.max());
            return s;
        } finally {
            stop.set(true);
            listener.join(5000);
            b.dropDatabase(db);
        }
    }

    private static void awaitSucceeded(Connection c, long id) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        Thread.sleep(5);
        while (!"succeeded".equals(status(c, id))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + id + " not done within 10 s: " + status(c, id));
            }
            Thread.sleep(3);
        }
    }

    private static String status(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select status from jobs where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** created_at → started_at in ms, database clock on both ends. */
    private static List<Double> latencies(Connection c, List<Long> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select extract(epoch from started_at - created_at) * 1000 from jobs where id = any(?)""")) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            List<Double> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getDouble(1));
                }
            }
            return out;
        }
    }
}
