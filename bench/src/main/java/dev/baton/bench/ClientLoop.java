package dev.baton.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.baton.common.Job;
import dev.baton.common.Json;
import dev.baton.common.LogLevel;
import dev.baton.common.Requests;
import dev.baton.worker.BatonClient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU the worker's {@link BatonClient} spends on one job's requests, for comparing builds of
 * the worker (issue 13 item 6: its HTTP client) with a fixed number of requests per job, which
 * the real worker's timers do not give on a loaded machine. One coordinator; in each of
 * {@code --rounds} rounds every jar of {@code --jars} in turn (the order reversed every other
 * round) runs a JVM of its own, {@code java -cp <jar>:baton-bench.jar ClientLoop$Child}, whose
 * {@code --threads} platform threads each take jobs one at a time through that jar's
 * BatonClient: claim (limit 1, no wait), heartbeat, progress, one log line, complete. It does
 * {@code --warmup} jobs, then {@code --jobs} measured ones, and reports its own process CPU
 * (every thread: HTTP, JSON, GC, JIT) and the loop threads' CPU, per job.
 *
 * <pre>bench/run.sh client-loop --jars /tmp/a/baton-worker.jar,/tmp/b/baton-worker.jar [--rounds 3]
 *                        [--jobs 3000] [--warmup 3000] [--threads 4] [--worker-opts …]</pre>
 */
public final class ClientLoop {
    static final String QUEUE = "bench_client_loop";
    private static final Map<String, Object> JOB = Map.of("queue", QUEUE, "type", "baton.sleep", "payload", Map.of("steps", 1));

    record Run(String label, int round, double processUsPerJob, double threadUsPerJob, double jobsPerSecond) {
    }

    public static void main(String[] argv) throws Exception {
        try (Bench b = new Bench("client-loop", argv)) {
            Builds builds = Builds.of(b.args);
            int rounds = (int) b.args.integer("rounds", 3);
            int jobs = (int) b.args.integer("jobs", 3_000);
            int warmup = (int) b.args.integer("warmup", 3_000);
            int threads = (int) b.args.integer("threads", 4);
            b.args.rejectUnknown();
            List<String> labels = builds.labels();

            Line line = new Line("client_loop").add("jobs", jobs).add("warmup", warmup).add("rounds", rounds)
                    .add("threads", threads).add("load_before", Bench.loadavg());
            String db = b.createDatabase("client_loop");
            Bench.Coordinator coordinator = b.startCoordinator("a", db);
            Api api = new Api(coordinator.url(), b.adminToken);
            List<Run> runs = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                for (int i : builds.order(round)) {
                    Builds.enqueue(api, warmup + jobs, JOB);
                    Map<String, String> out = child(b, builds.jars().get(i), labels.get(i) + "-" + round,
                            coordinator.url(), warmup, jobs, threads);
                    Run r = new Run(labels.get(i), round, Double.parseDouble(out.get("process_cpu_us_per_job")),
                            Double.parseDouble(out.get("thread_cpu_us_per_job")), Double.parseDouble(out.get("jobs_per_s")));
                    Bench.log("%s round %d: %.1f µs process CPU per job (loop threads %.1f), %.0f jobs/s (load %s)",
                            r.label(), round, r.processUsPerJob(), r.threadUsPerJob(), r.jobsPerSecond(), Bench.loadavg());
                    runs.add(r);
                }
            }
            for (String label : labels) {
                List<Run> mine = runs.stream().filter(r -> r.label().equals(label)).toList();
                line.add(label + "_process_us_per_job", Stats.of(mine.stream().map(Run::processUsPerJob).toList()).p50())
                        .add(label + "_runs", Builds.joined(mine.stream().map(Run::processUsPerJob).toList()))
                        .add(label + "_thread_us_per_job", Stats.of(mine.stream().map(Run::threadUsPerJob).toList()).p50())
                        .add(label + "_thread_runs", Builds.joined(mine.stream().map(Run::threadUsPerJob).toList()))
                        .add(label + "_jobs_per_s", Stats.of(mine.stream().map(Run::jobsPerSecond).toList()).p50());
            }
            line.add("worker_opts", b.workerOpts.isEmpty() ? "none" : String.join(" ", b.workerOpts))
                    .add("load_after", Bench.loadavg()).print();
        }
    }

    /** Runs the loop in a JVM of its own on {@code jar}'s classes and returns its {@code name=value} line. */
    private static Map<String, String> child(Bench b, String jar, String label, String url, int warmup,
            int jobs, int threads) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("timeout", "--kill-after=10", "600s",
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(b.workerOpts);
        // The jar's classes first: its BatonClient, not the one shaded into the bench jar.
        cmd.addAll(List.of("-cp", b.root.resolve(jar).toAbsolutePath() + ":" + System.getProperty("java.class.path"),
                Child.class.getName(), url, b.workerToken, Integer.toString(warmup), Integer.toString(jobs),
                Integer.toString(threads)));
        Path log = b.logDir.resolve("loop-" + label + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(620, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("loop " + label + " failed; see " + log);
            }
        } finally {
            p.destroyForcibly();
        }
        String last = Files.readAllLines(log).stream().filter(l -> l.startsWith("process_cpu_us_per_job="))
                .reduce((a, c) -> c).orElseThrow(() -> new IllegalStateException("loop " + label + " printed no figures; see " + log));
        Map<String, String> out = new HashMap<>();
        for (String part : last.split(" ")) {
            String[] kv = part.split("=", 2);
            out.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return out;
    }

    /** The loop itself: {@code <url> <token> <warmup> <jobs> <threads>}. */
    public static final class Child {
        private Child() {
        }

        public static void main(String[] argv) throws Exception {
            BatonClient client = new BatonClient(List.of(URI.create(argv[0] + "/")), argv[1]);
            int warmup = Integer.parseInt(argv[2]);
            int jobs = Integer.parseInt(argv[3]);
            int threads = Integer.parseInt(argv[4]);
            loop(client, warmup, threads, new AtomicLong());
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            AtomicLong threadNs = new AtomicLong();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            loop(client, jobs, threads, threadNs);
            long cpu = os.getProcessCpuTime() - cpu0;
            double seconds = (System.nanoTime() - t0) / 1e9;
            client.close();
            System.out.printf(Locale.ROOT, "process_cpu_us_per_job=%.1f thread_cpu_us_per_job=%.1f jobs_per_s=%.1f%n",
                    cpu / 1000.0 / jobs, threadNs.get() / 1000.0 / jobs, jobs / seconds);
            System.exit(0);
        }

        private static void loop(BatonClient client, int jobs, int threads, AtomicLong threadNs) throws Exception {
            AtomicInteger left = new AtomicInteger(jobs);
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            RawSql.parallel(threads, t -> {
                long start = mx.getCurrentThreadCpuTime();
                while (left.getAndDecrement() > 0) {
                    oneJob(client, "bench-loop-" + t);
                }
                threadNs.addAndGet(mx.getCurrentThreadCpuTime() - start);
            });
        }

        /** The worker's requests for one job of one step: claim, heartbeat, progress, a log line, complete. */
        private static void oneJob(BatonClient client, String workerId) {
            List<Job> claimed = client.claim(new Requests.Claim(workerId, List.of(QUEUE), List.of("baton.sleep"), 1, 0L,
                    30_000L));
            if (claimed.isEmpty()) {
                throw new IllegalStateException("the queue ran dry: enqueue more jobs than the loop takes");
            }
            Job job = claimed.get(0);
            String token = job.leaseToken();
            client.heartbeat(job.id(), new Requests.Heartbeat(token, 30_000L));
            client.progress(job.id(), new Requests.ProgressUpdate(token, job.version(), 1L, 1L, "step 1"));
            client.logs(job.id(), new Requests.LogAppend(token, List.of(new Requests.LogLine(1, LogLevel.INFO, "step 1 of 1"))));
            client.complete(job.id(), new Requests.Complete(token, Json.mapper().createObjectNode()));
        }
    }
}
