package dev.baton.bench;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Figure 1, end-to-end throughput: {@code --jobs} no-op jobs (baton.echo) enqueued through
 * POST /api/v1/jobs/batch (1,000 per request), drained by {@code --workers} real worker
 * processes ({@code java -jar baton-worker.jar}, BATON_CONCURRENCY {@code --concurrency}) over
 * HTTP, with one and with two coordinators; jobs/s from the first claim to the last completion,
 * on the database clock. The same run then measures the raw-SQL limit (figure 6) with the mean
 * claim and complete batch sizes the first configuration showed, for the ratio, then
 * db-scheduler's in-process drain ({@link DbScheduler}, {@code --db-scheduler-threads}, 0 skips
 * it) for {@code c<N>_vs_dbs}, and samples each coordinator's VmRSS.
 *
 * <p>{@code --concurrency default} (or 0) leaves BATON_CONCURRENCY unset: the worker's default
 * settings (16); the in-bench drivers then claim 16 at a time too.
 *
 * <p>Each configuration first drains {@code --warmup} jobs per coordinator (JIT, connection pools), then pauses
 * the queue, enqueues, and unpauses it: the drain starts with the whole backlog queued.
 *
 * <p>{@code --driver bench} and {@code --driver bench-batch} replace the worker processes by
 * {@link BenchWorkers} in this JVM (one complete per job, or one POST /completions per claim), to
 * take the worker's own cost and the per-job request apart from the coordinator's.
 *
 * <pre>bench/run.sh throughput [--jobs 50000] [--coordinators 1,2] [--workers 2] [--concurrency 64|default]
 *                       [--raw-threads 16] [--db-scheduler-threads 32] [--warmup 30000]
 *                       [--coordinator-opts "-Xmx256m"] [--driver worker]</pre>
 */
public final class Throughput {
    static final String QUEUE = RawSql.QUEUE;
    /** BATON_CONCURRENCY when unset (WorkerSettings); what {@code --concurrency default} means for the in-bench drivers. */
    static final int WORKER_DEFAULT_CONCURRENCY = 16;

    record Run(int coordinators, double enqueuePerSecond, Window drain, long rssMaxMb, Cpu.Spent cpu) {
    }

    public static void main(String[] argv) throws Exception {
        try (Bench b = new Bench("throughput", argv)) {
            int jobs = (int) b.args.integer("jobs", 50_000);
            // Long enough for the JIT to settle: after 5,000 the coordinator's C2 compiler threads
            // still took about a third of a core during the measured drain.
            int warmup = (int) b.args.integer("warmup", 30_000);
            int workers = (int) b.args.integer("workers", 2);
            // "default" (or 0): the worker process gets no BATON_CONCURRENCY and runs its default.
            String concurrencyText = b.args.text("concurrency", "64").trim();
            int concurrency = concurrencyText.equals("default") ? 0 : Integer.parseInt(concurrencyText);
            if (concurrency < 0) {
                throw new IllegalArgumentException("--concurrency is a positive number or default");
            }
            int rawThreads = (int) b.args.integer("raw-threads", 16);
            int dbsThreads = (int) b.args.integer("db-scheduler-threads", 32);
            String driver = b.args.text("driver", "worker");
            if (!List.of("worker", "bench", "bench-batch").contains(driver)) {
                throw new IllegalArgumentException("--driver is worker, bench or bench-batch");
            }
            List<Integer> configs = java.util.Arrays.stream(b.args.text("coordinators", "1,2").split(","))
                    .map(String::trim).map(Integer::parseInt).toList();
            b.args.rejectUnknown();

            Line line = new Line("throughput").add("jobs", jobs).add("warmup", warmup).add("driver", driver)
                    .add("workers", workers).add("concurrency", concurrency == 0 ? "default" : concurrency)
                    .add("load_before", Bench.loadavg());
            List<Run> runs = new ArrayList<>();
            for (int c : configs) {
                runs.add(run(b, c, jobs, warmup, workers, concurrency, driver));
            }
            // The raw loop gets the batch sizes Baton actually used in its first configuration: the
            // mean jobs per claim statement and per complete statement, as the database recorded them.
            Window first = runs.get(0).drain();
            int claimBatch = Math.max(1, (int) Math.round(first.meanClaimBatch()));
            int completeBatch = Math.max(1, (int) Math.round(first.meanCompleteBatch()));
            RawSql.Result raw = RawSql.run(b, "throughput_raw", jobs, warmup, rawThreads, claimBatch, completeBatch);
            b.dropDatabase("baton_bench_throughput_raw");
            line.add("raw_jobs_per_s", raw.drain().jobsPerSecond()).add("raw_enqueue_per_s", raw.enqueuePerSecond())
                    .add("raw_threads", rawThreads).add("raw_claim_batch", claimBatch)
                    .add("raw_complete_batch", completeBatch);
            raw.cpu().addTo(line, "raw_", jobs);
            // db-scheduler's in-process drain of its own no-op tasks, after the raw loop (issue 19).
            DbScheduler.Result dbs = null;
            if (dbsThreads > 0) {
                dbs = DbScheduler.run(b, "throughput_dbs", jobs, warmup, dbsThreads);
                line.add("dbs_jobs_per_s", dbs.jobsPerSecond()).add("dbs_threads", dbsThreads);
                dbs.addCpuTo(line, "dbs_", jobs);
            }
            for (Run r : runs) {
                String p = "c" + r.coordinators() + "_";
                line.add(p + "jobs_per_s", r.drain().jobsPerSecond())
                        .add(p + "ratio", Line.ratio(r.drain().jobsPerSecond(), raw.drain().jobsPerSecond()));
                if (dbs != null) {
                    line.add(p + "vs_dbs", Line.ratio(r.drain().jobsPerSecond(), dbs.jobsPerSecond()));
                }
                line.add(p + "enqueue_per_s", r.enqueuePerSecond())
                        .add(p + "enqueue_ratio", Line.ratio(r.enqueuePerSecond(), raw.enqueuePerSecond()))
                        .add(p + "claim_batch", r.drain().meanClaimBatch())
                        .add(p + "complete_batch", r.drain().meanCompleteBatch())
                        .add(p + "rss_max_mb", r.rssMaxMb());
                r.cpu().addTo(line, p, jobs);
            }
            line.add("coordinator_opts", b.coordinatorOpts.isEmpty() ? "none" : String.join(" ", b.coordinatorOpts))
                    .add("worker_opts", b.workerOpts.isEmpty() ? "none" : String.join(" ", b.workerOpts))
                    .add("load_after", Bench.loadavg()).print();
        }
    }

    static Run run(Bench b, int coordinators, int jobs, int warmup, int workers, int concurrency, String driver)
            throws Exception {
        String db = b.createDatabase("throughput_" + coordinators + "c");
        List<Bench.Coordinator> cs = b.startCoordinators(coordinators, db);
        cs.forEach(c -> c.proc().sampleRss(200));
        List<Proc> ws = new ArrayList<>();
        List<Api> apis = cs.stream().map(c -> new Api(c.url(), b.adminToken)).toList();
        List<String> urls = cs.stream().map(Bench.Coordinator::url).toList();
        BenchWorkers inBench = null;
        if (driver.equals("worker")) {
            for (int i = 0; i < workers; i++) {
                // Worker i talks to coordinator i first (the client fails over in list order only).
                List<String> order = new ArrayList<>(urls);
                java.util.Collections.rotate(order, -i);
                ws.add(b.startWorker(coordinators + "c-" + i, order, QUEUE, concurrency));
            }
        } else {
            List<Api> workerApis = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                workerApis.add(new Api(urls.get(i % urls.size()), b.workerToken));
            }
            inBench = new BenchWorkers(workerApis, QUEUE, concurrency > 0 ? concurrency : WORKER_DEFAULT_CONCURRENCY,
                    driver.equals("bench-batch"));
        }
        try (Connection c = b.connect(db)) {
            warmup *= coordinators; // the same warm-up for each coordinator JVM
            Bench.log("%d coordinator(s): warm-up with %d jobs (load %s)", coordinators, warmup, Bench.loadavg());
            long warmFrom = Window.maxId(c);
            enqueue(apis, warmup);
            Runnable check = inBench == null ? () -> { } : inBench::checkHealthy;
            awaitDrained(c, warmFrom, warmup, 120, check);

            apis.get(0).put("/api/v1/queues/" + QUEUE, Map.of("paused", true));
            long from = Window.maxId(c);
            cs.forEach(x -> x.proc().resetMaxRss());
            long t0 = System.nanoTime();
            enqueue(apis, jobs);
            double enqueuePerSecond = jobs / ((System.nanoTime() - t0) / 1e9);
            Bench.log("%d coordinator(s): enqueued %d at %.0f jobs/s; draining (load %s)", coordinators, jobs,
                    enqueuePerSecond, Bench.loadavg());
            Cpu cpu = Cpu.start(cs.stream().map(Bench.Coordinator::proc).toList(), ws, db,
                    Set.of(Sql.scalar(c, "select pg_backend_pid()")));
            apis.get(0).put("/api/v1/queues/" + QUEUE, Map.of("paused", false));
            awaitDrained(c, from, jobs, 600, check);
            Cpu.Spent spent = cpu.stop();
            Window w = Window.of(c, from);
            long rss = cs.stream().mapToLong(x -> x.proc().maxRssMb()).max().orElse(0);
            Bench.log("%d coordinator(s): %.0f jobs/s over %.1f s, mean claim %.1f jobs, mean complete %.1f jobs, "
                    + "coordinator RSS max %d MB (load %s)", coordinators, w.jobsPerSecond(), w.seconds(),
                    w.meanClaimBatch(), w.meanCompleteBatch(), rss, Bench.loadavg());
            return new Run(coordinators, enqueuePerSecond, w, rss, spent);
        } finally {
            if (inBench != null) {
                inBench.close();
                inBench.checkHealthy();
            }
            List<Proc> all = new ArrayList<>(ws);
            cs.forEach(x -> all.add(x.proc()));
            b.stop(all);
            b.dropDatabase(db);
        }
    }

    /** Enqueues {@code jobs} echo jobs in batches of 1,000, four requests at a time, spread over the coordinators. */
    static void enqueue(List<Api> apis, int jobs) throws Exception {
        AtomicInteger left = new AtomicInteger(jobs);
        AtomicInteger requests = new AtomicInteger();
        RawSql.parallel(4, t -> {
            int n;
            while ((n = RawSql.take(left, 1000)) > 0) {
                Api api = apis.get(requests.getAndIncrement() % apis.size());
                api.post("/api/v1/jobs/batch", batchBody(n));
            }
        });
    }

    private static final Map<Integer, String> BODIES = new java.util.concurrent.ConcurrentHashMap<>();

    static String batchBody(int n) {
        return BODIES.computeIfAbsent(n, k -> {
            List<Map<String, Object>> jobs = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                Map<String, Object> job = new LinkedHashMap<>();
                job.put("queue", QUEUE);
                job.put("type", "baton.echo");
                job.put("payload", Map.of());
                jobs.add(job);
            }
            return dev.baton.common.Json.write(Map.of("jobs", jobs));
        });
    }

    /** Waits until {@code n} jobs above {@code afterId} have succeeded. */
    static void awaitDrained(Connection c, long afterId, long n, long timeoutSeconds, Runnable check) throws Exception {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long last = -1;
        long lastLog = System.nanoTime();
        while (true) {
            check.run();
            long done = Window.succeededAfter(c, afterId);
            if (done >= n) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + done + " of " + n + " jobs succeeded within " + timeoutSeconds + " s");
            }
            if (System.nanoTime() - lastLog > 10_000_000_000L) {
                Bench.log("  %d of %d done (+%d in 10 s)", done, n, last < 0 ? done : done - last);
                last = done;
                lastLog = System.nanoTime();
            }
            Thread.sleep(250);
        }
    }
}
