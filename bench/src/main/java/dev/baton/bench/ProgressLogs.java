package dev.baton.bench;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Figure 3, progress updates/s and log lines/s sustained by {@code --jobs} (64) running jobs:
 * one virtual thread per job holds its lease and drives the HTTP API directly, first progress
 * updates only (each with the version the last answer gave), then log appends only (batches of
 * {@code --batch} lines, 100 like the worker's), each for {@code --seconds} after a 3 s warm-up.
 * The raw-SQL limit runs the same statements over JDBC on {@code --raw-threads} connections.
 *
 * <pre>bench/run.sh progress-logs [--jobs 64] [--seconds 15] [--batch 100] [--raw-threads 16]</pre>
 */
public final class ProgressLogs {
    private static final String QUEUE = "hold";
    private static final String MESSAGE = "bench line: the quick brown fox jumps over the lazy dog, 0123456789 abcdefghij";

    /** {@code units} (updates or lines) per second, and the CPU the measured phase cost. */
    record Rate(double perSecond, long units, Cpu.Spent cpu) {
    }

    record Rates(Rate progress, Rate lines) {
    }

    public static void main(String[] argv) throws Exception {
        try (Bench b = new Bench("progress-logs", argv)) {
            int jobs = (int) b.args.integer("jobs", 64);
            long seconds = b.args.integer("seconds", 15);
            int batch = (int) b.args.integer("batch", 100);
            int rawThreads = (int) b.args.integer("raw-threads", 16);
            b.args.rejectUnknown();
            String load = Bench.loadavg();
            Rates baton = baton(b, jobs, seconds, batch);
            String loadMid = Bench.loadavg();
            Rates raw = raw(b, jobs, seconds, batch, rawThreads);
            Line line = new Line("progress_logs");
            line.add("jobs", jobs).add("seconds", seconds).add("batch", batch)
                    .add("progress_per_s", baton.progress().perSecond()).add("lines_per_s", baton.lines().perSecond())
                    .add("raw_progress_per_s", raw.progress().perSecond())
                    .add("raw_lines_per_s", raw.lines().perSecond())
                    .add("progress_ratio", Line.ratio(baton.progress().perSecond(), raw.progress().perSecond()))
                    .add("lines_ratio", Line.ratio(baton.lines().perSecond(), raw.lines().perSecond()))
                    .add("raw_threads", rawThreads);
            baton.progress().cpu().addTo(line, "progress_", baton.progress().units());
            raw.progress().cpu().addTo(line, "raw_progress_", raw.progress().units());
            // Per batch of lines, not per line: the cost of one append request.
            baton.lines().cpu().addTo(line, "append_", baton.lines().units() / (double) batch);
            raw.lines().cpu().addTo(line, "raw_append_", raw.lines().units() / (double) batch);
            line.add("load_before", load).add("load_mid", loadMid).add("load_after", Bench.loadavg()).print();
        }
    }

    private static Rates baton(Bench b, int n, long seconds, int batch) throws Exception {
        String db = b.createDatabase("progress_logs");
        Bench.Coordinator c = b.startCoordinators(1, db).get(0);
        try {
            Api admin = new Api(c.url(), b.adminToken);
            Api worker = new Api(c.url(), b.workerToken);
            List<Sql.Lease> leases = Leases.viaHttp(admin, worker, QUEUE, n);
            long[] versions = leases.stream().mapToLong(Sql.Lease::version).toArray();
            int[] nextSeq = new int[n];
            java.util.Arrays.fill(nextSeq, 1);
            Worker progress = (i, count) -> {
                Sql.Lease l = leases.get(i);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("leaseToken", l.token());
                body.put("expectedVersion", versions[i]);
                body.put("current", count);
                body.put("total", 1_000_000_000L);
                body.put("message", "step " + count);
                versions[i] = worker.post("/api/v1/jobs/" + l.id() + "/progress", body).get("version").asLong();
                return 1;
            };
            Worker logs = (i, count) -> {
                Sql.Lease l = leases.get(i);
                List<Map<String, Object>> entries = new ArrayList<>(batch);
                for (int k = 0; k < batch; k++) {
                    entries.add(Map.of("seq", nextSeq[i] + k, "level", "info", "message", MESSAGE));
                }
                int accepted = worker.post("/api/v1/jobs/" + l.id() + "/logs",
                        Map.of("leaseToken", l.token(), "entries", entries)).get("accepted").asInt();
                nextSeq[i] += batch;
                return accepted;
            };
            List<Proc> coordinator = List.of(c.proc());
            measure("baton progress warm-up", n, n, 3, progress, Cpu.start(coordinator, List.of(), db));
            Rate p = measure("baton progress", n, n, seconds, progress, Cpu.start(coordinator, List.of(), db));
            measure("baton logs warm-up", n, n, 3, logs, Cpu.start(coordinator, List.of(), db));
            Rate lines = measure("baton logs", n, n, seconds, logs, Cpu.start(coordinator, List.of(), db));
            return new Rates(p, lines);
        } finally {
            b.stop(List.of(c.proc()));
            b.dropDatabase(db);
        }
    }

    private static Rates raw(Bench b, int n, long seconds, int batch, int threads) throws Exception {
        String db = b.createDatabase("progress_logs_raw");
        b.migrate(db);
        List<Sql.Lease> leases;
        try (Connection c = b.connect(db)) {
            leases = Leases.viaSql(c, QUEUE, n);
        }
        long[] versions = leases.stream().mapToLong(Sql.Lease::version).toArray();
        int[] nextSeq = new int[n];
        java.util.Arrays.fill(nextSeq, 1);
        Connection[] conns = new Connection[threads];
        try {
            for (int t = 0; t < threads; t++) {
                conns[t] = b.connect(db);
            }
            // Thread t serves jobs t, t + threads, …, round robin, on its own connection.
            RawWorker progress = (t, i, count) -> {
                long v = Sql.progress(conns[t], leases.get(i), versions[i], count);
                if (v < 0) {
                    throw new IllegalStateException("raw progress refused for job " + leases.get(i).id());
                }
                versions[i] = v;
                return 1;
            };
            RawWorker logs = (t, i, count) -> {
                int accepted = Sql.append(conns[t], leases.get(i), nextSeq[i], batch, MESSAGE);
                nextSeq[i] += batch;
                return accepted;
            };
            measureRaw("raw progress warm-up", n, threads, 3, progress, Cpu.start(List.of(), List.of(), db));
            Rate p = measureRaw("raw progress", n, threads, seconds, progress, Cpu.start(List.of(), List.of(), db));
            measureRaw("raw logs warm-up", n, threads, 3, logs, Cpu.start(List.of(), List.of(), db));
            Rate lines = measureRaw("raw logs", n, threads, seconds, logs, Cpu.start(List.of(), List.of(), db));
            return new Rates(p, lines);
        } finally {
            for (Connection c : conns) {
                if (c != null) {
                    c.close();
                }
            }
            b.dropDatabase(db);
        }
    }

    /** One call for job {@code i}, its {@code count}-th; returns how many units (updates, lines) it did. */
    interface Worker {
        int call(int i, long count) throws Exception;
    }

    interface RawWorker {
        int call(int thread, int i, long count) throws Exception;
    }

    /** {@code threads} virtual threads, thread i driving job i, for {@code seconds}; units per second. */
    private static Rate measure(String what, int jobs, int threads, long seconds, Worker w, Cpu cpu)
            throws Exception {
        return measureRaw(what, jobs, threads, seconds, (t, i, count) -> w.call(i, count), cpu);
    }

    private static Rate measureRaw(String what, int jobs, int threads, long seconds, RawWorker w, Cpu cpu)
            throws Exception {
        AtomicLong units = new AtomicLong();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long t0 = System.nanoTime();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            all.add(Thread.ofVirtual().start(() -> {
                try {
                    for (long count = 1; System.nanoTime() < deadline; count++) {
                        for (int i = thread; i < jobs && System.nanoTime() < deadline; i += threads) {
                            units.addAndGet(w.call(thread, i, count));
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : all) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(what + " failed", failures.get(0));
        }
        double rate = units.get() / ((System.nanoTime() - t0) / 1e9);
        Cpu.Spent spent = cpu.stop();
        Bench.log("%s: %.0f/s over %d s; CPU ms coordinator %d, postgres %d, bench %d (load %s)", what, rate, seconds,
                spent.coordinatorMs(), spent.postgresMs(), spent.benchMs(), Bench.loadavg());
        return new Rate(rate, units.get(), spent);
    }
}
