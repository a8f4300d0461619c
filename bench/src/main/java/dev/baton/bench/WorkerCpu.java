package dev.baton.bench;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker's CPU per job, for comparing builds of the worker (issue 13 item 6: its HTTP
 * client). One coordinator; in each of {@code --rounds} rounds every jar of {@code --jars} in
 * turn (the order reversed every other round, so each sees the same drift of a shared machine)
 * runs as one worker process ({@code java -jar}, BATON_CONCURRENCY {@code --concurrency}),
 * drains {@code --warmup} jobs, then {@code --jobs} jobs queued while the queue was paused. The
 * figure is that worker JVM's CPU time (utime + stime, every thread: HTTP, JSON, GC, JIT) over
 * the measured drain, divided by the jobs.
 *
 * <p>The jobs are {@code baton.sleep} with {@code {"steps": --steps, "stepMs": --step-ms}}, so
 * each makes the worker's whole request sequence: its share of a long-polled claim, per step a
 * log line and a progress update (flushed every 200 ms), a heartbeat every {@code --lease-ms}/3,
 * and its completion through the worker's group commit. {@code --steps 0} runs
 * {@code baton.echo} instead: claims and completions only, as in figure 1.
 *
 * <pre>bench/run.sh worker-cpu --jars /tmp/a/baton-worker.jar,/tmp/b/baton-worker.jar [--rounds 3]
 *                       [--jobs 4000] [--warmup 2000] [--concurrency 64] [--steps 3] [--step-ms 300]
 *                       [--lease-ms 3000] [--worker-opts …]</pre>
 */
public final class WorkerCpu {
    static final String QUEUE = "bench_worker_cpu";

    record Run(String label, int round, double workerUsPerJob, double coordinatorUsPerJob, double jobsPerSecond) {
    }

    public static void main(String[] argv) throws Exception {
        try (Bench b = new Bench("worker-cpu", argv)) {
            Builds builds = Builds.of(b.args);
            int rounds = (int) b.args.integer("rounds", 3);
            int jobs = (int) b.args.integer("jobs", 4_000);
            int warmup = (int) b.args.integer("warmup", 2_000);
            int concurrency = (int) b.args.integer("concurrency", 64);
            int steps = (int) b.args.integer("steps", 3);
            long stepMs = b.args.integer("step-ms", 300);
            long leaseMs = b.args.integer("lease-ms", 3_000);
            b.args.rejectUnknown();
            List<String> labels = builds.labels();

            Line line = new Line("worker_cpu").add("jobs", jobs).add("warmup", warmup).add("rounds", rounds)
                    .add("concurrency", concurrency).add("steps", steps).add("step_ms", stepMs)
                    .add("lease_ms", leaseMs).add("load_before", Bench.loadavg());
            String db = b.createDatabase("worker_cpu");
            Bench.Coordinator coordinator = b.startCoordinator("a", db);
            Api api = new Api(coordinator.url(), b.adminToken);
            Map<String, Object> job = job(steps, stepMs);
            List<Run> runs = new ArrayList<>();
            try (Connection c = b.connect(db)) {
                for (int round = 1; round <= rounds; round++) {
                    for (int i : builds.order(round)) {
                        Proc worker = b.startWorker(labels.get(i) + "-" + round, builds.jars().get(i),
                                List.of(coordinator.url()), QUEUE, concurrency, leaseMs);
                        try {
                            runs.add(run(api, c, db, coordinator.proc(), worker, labels.get(i), round, warmup, jobs, job));
                        } finally {
                            b.stop(List.of(worker));
                        }
                    }
                }
            }
            for (String label : labels) {
                List<Run> mine = runs.stream().filter(r -> r.label().equals(label)).toList();
                Stats s = Stats.of(mine.stream().map(Run::workerUsPerJob).toList());
                line.add(label + "_worker_us_per_job", s.p50())
                        .add(label + "_worker_us_min", mine.stream().mapToDouble(Run::workerUsPerJob).min().orElse(Double.NaN))
                        .add(label + "_worker_us_max", s.max())
                        .add(label + "_runs", Builds.joined(mine.stream().map(Run::workerUsPerJob).toList()))
                        .add(label + "_coordinator_us_per_job", Stats.of(mine.stream().map(Run::coordinatorUsPerJob).toList()).p50())
                        .add(label + "_jobs_per_s", Stats.of(mine.stream().map(Run::jobsPerSecond).toList()).p50());
            }
            line.add("worker_opts", b.workerOpts.isEmpty() ? "none" : String.join(" ", b.workerOpts))
                    .add("load_after", Bench.loadavg()).print();
        }
    }

    private static Run run(Api api, Connection c, String db, Proc coordinator, Proc worker, String label, int round,
            int warmup, int jobs, Map<String, Object> job) throws Exception {
        Bench.log("%s round %d: warm-up with %d jobs (load %s)", label, round, warmup, Bench.loadavg());
        long warmFrom = Window.maxId(c);
        Builds.enqueue(api, warmup, job);
        Runnable alive = () -> {
            if (!worker.process().isAlive()) {
                throw new IllegalStateException("worker " + worker.label() + " exited; see " + worker.log());
            }
        };
        Throughput.awaitDrained(c, warmFrom, warmup, 300, alive);

        api.put("/api/v1/queues/" + QUEUE, Map.of("paused", true));
        long from = Window.maxId(c);
        Builds.enqueue(api, jobs, job);
        Cpu cpu = Cpu.start(List.of(coordinator), List.of(worker), db);
        api.put("/api/v1/queues/" + QUEUE, Map.of("paused", false));
        Throughput.awaitDrained(c, from, jobs, 600, alive);
        Cpu.Spent spent = cpu.stop();
        Window w = Window.of(c, from);
        Run r = new Run(label, round, spent.workerMs() * 1000.0 / jobs, spent.coordinatorMs() * 1000.0 / jobs,
                w.jobsPerSecond());
        Bench.log("%s round %d: worker %.1f µs CPU per job, coordinator %.1f µs, %.0f jobs/s over %.1f s (load %s)",
                label, round, r.workerUsPerJob(), r.coordinatorUsPerJob(), r.jobsPerSecond(), w.seconds(),
                Bench.loadavg());
        return r;
    }

    /** {@code baton.sleep} with that many steps, or {@code baton.echo} for none. */
    private static Map<String, Object> job(int steps, long stepMs) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("queue", QUEUE);
        job.put("type", steps == 0 ? "baton.echo" : "baton.sleep");
        job.put("payload", steps == 0 ? Map.of() : Map.of("steps", steps, "stepMs", stepMs));
        return job;
    }
}
