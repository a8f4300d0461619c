package dev.baton.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Figure 6, the raw-SQL limit: Baton's own enqueue, claim and complete statements in a plain
 * JDBC loop on several threads, with the batch sizes Baton uses: 1,000 jobs per enqueue
 * statement (one POST /jobs/batch), claims of {@code --claim-batch}, and completions of
 * {@code --complete-batch} in one statement (POST /completions; 1 is POST /jobs/{id}/complete).
 * The throughput figure passes the mean batch sizes its own Baton run showed. No HTTP, no
 * coordinator: what PostgreSQL alone allows here.
 *
 * <pre>bench/run.sh raw-sql [--jobs 50000] [--threads 16] [--claim-batch 64] [--complete-batch 1] [--warmup 5000]</pre>
 */
public final class RawSql {
    static final String QUEUE = "bench";

    /** What one raw run measured; {@code cpu} covers the drain only. */
    record Result(double enqueuePerSecond, Window drain, double claimMs, double completeMs, Cpu.Spent cpu) {
    }

    public static void main(String[] argv) throws Exception {
        try (Bench b = new Bench("raw-sql", argv)) {
            int jobs = (int) b.args.integer("jobs", 50_000);
            int threads = (int) b.args.integer("threads", 16);
            int claimBatch = (int) b.args.integer("claim-batch", 64);
            int completeBatch = (int) b.args.integer("complete-batch", 1);
            int warmup = (int) b.args.integer("warmup", 5_000);
            b.args.rejectUnknown();
            String load = Bench.loadavg();
            Result r = run(b, "raw_sql", jobs, warmup, threads, claimBatch, completeBatch);
            Line line = new Line("raw_sql");
            line.add("jobs", jobs).add("threads", threads).add("claim_batch", claimBatch)
                    .add("complete_batch", completeBatch)
                    .add("enqueue_jobs_per_s", r.enqueuePerSecond())
                    .add("lifecycle_jobs_per_s", r.drain().jobsPerSecond())
                    .add("claim_ms_mean", r.claimMs()).add("complete_ms_mean", r.completeMs())
                    .add("mean_claim_batch", r.drain().meanClaimBatch())
                    .add("mean_complete_batch", r.drain().meanCompleteBatch());
            r.cpu().addTo(line, "", jobs);
            line.add("load_before", load).add("load_after", Bench.loadavg()).print();
        }
    }

    /** A fresh migrated database; a warm-up lifecycle of {@code warmup} jobs; then enqueue {@code jobs} and drain them. */
    static Result run(Bench b, String suffix, int jobs, int warmup, int threads, int claimBatch, int completeBatch)
            throws Exception {
        String db = b.createDatabase(suffix);
        b.migrate(db);
        if (warmup > 0) {
            lifecycle(b, db, warmup, threads, claimBatch, completeBatch);
        }
        Result r = lifecycle(b, db, jobs, threads, claimBatch, completeBatch);
        Bench.log("raw SQL: enqueue %.0f jobs/s, lifecycle %.0f jobs/s (%d threads, claims of %d, completes of %d)",
                r.enqueuePerSecond(), r.drain().jobsPerSecond(), threads, claimBatch, completeBatch);
        return r;
    }

    private static Result lifecycle(Bench b, String db, int jobs, int threads, int claimBatch, int completeBatch)
            throws Exception {
        long afterId;
        try (Connection c = b.connect(db)) {
            afterId = Window.maxId(c);
        }
        long t0 = System.nanoTime();
        enqueue(b, db, jobs, 4);
        double enqueueSeconds = (System.nanoTime() - t0) / 1e9;

        AtomicLong claimNanos = new AtomicLong();
        AtomicLong claims = new AtomicLong();
        AtomicLong completeNanos = new AtomicLong();
        AtomicLong completes = new AtomicLong();
        Connection[] conns = new Connection[threads];
        try {
            for (int t = 0; t < threads; t++) {
                conns[t] = b.connect(db);
            }
            Cpu cpu = Cpu.start(List.of(), List.of(), db);
            parallel(threads, t -> {
                Connection c = conns[t];
                String workerId = "raw-" + t;
                // Completions gather across claims, so each complete statement carries completeBatch
                // jobs (the last one fewer), not a claim's remainder: claims of 22 with completes of 20
                // would otherwise alternate 20 and 2, a mean of 11.
                List<Sql.Lease> pending = new ArrayList<>();
                while (true) {
                    long s = System.nanoTime();
                    List<Sql.Lease> leases = Sql.claim(c, QUEUE, workerId, claimBatch, 30_000);
                    claimNanos.addAndGet(System.nanoTime() - s);
                    claims.incrementAndGet();
                    pending.addAll(leases);
                    while (pending.size() >= completeBatch || (leases.isEmpty() && !pending.isEmpty())) {
                        List<Sql.Lease> group = pending.subList(0, Math.min(pending.size(), completeBatch));
                        s = System.nanoTime();
                        completeAll(c, group);
                        completeNanos.addAndGet(System.nanoTime() - s);
                        completes.incrementAndGet();
                        group.clear();
                    }
                    if (leases.isEmpty()) {
                        return;
                    }
                }
            });
            Cpu.Spent spent = cpu.stop();
            Window w = Window.of(conns[0], afterId);
            if (w.succeeded() != jobs) {
                throw new IllegalStateException("raw drain finished " + w.succeeded() + " of " + jobs);
            }
            return new Result(jobs / enqueueSeconds, w, claimNanos.get() / 1e6 / Math.max(1, claims.get()),
                    completeNanos.get() / 1e6 / Math.max(1, completes.get()), spent);
        } finally {
            for (Connection c : conns) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    private static void completeAll(Connection c, List<Sql.Lease> group) throws SQLException {
        int done = group.size() == 1 ? (Sql.complete(c, group.get(0)) ? 1 : 0) : Sql.completeEach(c, group);
        if (done != group.size()) {
            throw new IllegalStateException("completed " + done + " of " + group.size());
        }
    }

    /** {@code jobs} echo jobs in transactions of 1,000, on {@code threads} connections. */
    static void enqueue(Bench b, String db, int jobs, int threads) throws Exception {
        AtomicInteger left = new AtomicInteger(jobs);
        parallel(threads, t -> {
            try (Connection c = b.connect(db)) {
                int n;
                while ((n = take(left, 1000)) > 0) {
                    Sql.enqueue(c, QUEUE, n);
                }
            }
        });
    }

    static int take(AtomicInteger left, int most) {
        while (true) {
            int l = left.get();
            int n = Math.min(l, most);
            if (n <= 0 || left.compareAndSet(l, l - n)) {
                return Math.max(n, 0);
            }
        }
    }

    interface Body {
        void run(int thread) throws Exception;
    }

    /** Runs {@code body} on {@code threads} platform threads and rethrows the first failure. */
    static void parallel(int threads, Body body) throws Exception {
        List<Thread> all = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < threads; i++) {
            int t = i;
            all.add(Thread.ofPlatform().name("raw-" + t).start(() -> {
                try {
                    body.run(t);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : all) {
            t.join();
        }
        if (!failures.isEmpty()) {
            Exception e = new Exception("a thread failed", failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
