package dev.baton.bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import javax.sql.DataSource;

/**
 * The in-process competitor of figure 1 (issue 19): db-scheduler 16.7.1 draining its own no-op
 * one-time tasks in this JVM, on its own {@code scheduled_tasks} table, with the lock-and-fetch
 * polling strategy its README recommends for high throughput. No HTTP, no worker process: the
 * best a library scheduler does here, for Baton's end-to-end figure to be held against.
 *
 * <p>Each drain inserts every task instance (due now) before its scheduler starts, untimed, then
 * times from the first execution to the last completion; db-scheduler deletes a one-time task's
 * row when it completes. A warm-up drain of {@code --warmup} tasks comes first (JIT, pool).
 *
 * <pre>bench/run.sh db-scheduler [--jobs 50000] [--warmup 30000] [--threads 32]</pre>
 */
public final class DbScheduler {
    static final String TASK = "noop";

    /**
     * "For high throughput (i.e. keep threads busy), set to for example {@code 1.0, 4.0}" (README,
     * pollUsingLockAndFetch): fetch again when a thread's worth of executions is left, up to four
     * per thread, already picked by the {@code select … for update skip locked}.
     */
    static final double LOWER_LIMIT = 1.0;
    static final double UPPER_LIMIT = 4.0;

    // db-scheduler's PostgreSQL schema at v16.7.1, db-scheduler/src/test/resources/postgresql_tables.sql
    // (its comments and the commented-out index left out).
    private static final String DDL = """
            create table scheduled_tasks (
              task_name text not null,
              task_instance text not null,
              task_data bytea,
              execution_time timestamp with time zone not null,
              picked BOOLEAN not null,
              picked_by text,
              last_success timestamp with time zone,
              last_failure timestamp with time zone,
              consecutive_failures INT,
              last_heartbeat timestamp with time zone,
              version BIGINT not null,
              priority SMALLINT,
              PRIMARY KEY (task_name, task_instance)
            );

            CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time);
            CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
            CREATE INDEX priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc);
            """;

    /** What the measured drain showed; {@code cpu} covers it only (this JVM is db-scheduler here). */
    record Result(double jobsPerSecond, double seconds, Cpu.Spent cpu) {
        /** {@code prefix_cpu_us_postgres} and {@code prefix_cpu_us_bench}: there is no coordinator or worker. */
        void addCpuTo(Line line, String prefix, double jobs) {
            line.add(prefix + "cpu_us_postgres", cpu.postgresMs() * 1000.0 / jobs)
                    .add(prefix + "cpu_us_bench", cpu.benchMs() * 1000.0 / jobs);
        }
    }

    public static void main(String[] argv) throws Exception {
        try (Bench b = new Bench("db-scheduler", argv)) {
            int jobs = (int) b.args.integer("jobs", 50_000);
            int warmup = (int) b.args.integer("warmup", 30_000);
            int threads = (int) b.args.integer("threads", 32);
            b.args.rejectUnknown();
            String load = Bench.loadavg();
            Result r = run(b, "db_scheduler", jobs, warmup, threads);
            Line line = new Line("db_scheduler").add("jobs", jobs).add("threads", threads)
                    .add("jobs_per_s", r.jobsPerSecond());
            r.addCpuTo(line, "", jobs);
            line.add("load_before", load).add("load_after", Bench.loadavg()).print();
        }
    }

    /** A fresh database {@code baton_bench_<name>} with db-scheduler's table; a warm-up drain, then the measured one. */
    static Result run(Bench b, String name, int jobs, int warmup, int threads) throws Exception {
        // db-scheduler and Hikari log through slf4j to logback: warnings and errors only, to stderr.
        // Set before either is loaded, as nothing in this JVM logs before them.
        System.setProperty("logback.configurationFile", "dev/baton/bench/db-scheduler-logback.xml");
        String db = b.createDatabase(name);
        try {
            try (Connection c = b.connect(db); Statement s = c.createStatement()) {
                s.execute(DDL);
            }
            HikariConfig pool = new HikariConfig();
            pool.setJdbcUrl(b.jdbcUrl(db));
            pool.setUsername(b.pgUser);
            pool.setPassword("");
            // One connection per execution thread, and some for the polling thread and the housekeeper.
            pool.setMaximumPoolSize(threads + 4);
            pool.setPoolName("db-scheduler");
            try (HikariDataSource ds = new HikariDataSource(pool)) {
                if (warmup > 0) {
                    drain(ds, db, "w", warmup, threads);
                }
                Result r = drain(ds, db, "m", jobs, threads);
                Bench.log("db-scheduler: %.0f jobs/s over %.1f s (%d threads, lock-and-fetch %.1f, %.1f)",
                        r.jobsPerSecond(), r.seconds(), threads, LOWER_LIMIT, UPPER_LIMIT);
                return r;
            }
        } finally {
            b.dropDatabase(db);
        }
    }

    /**
     * Inserts {@code n} instances due now with db-scheduler's own batch insert, then starts a new
     * scheduler on them and waits until each has completed (its row deleted).
     */
    private static Result drain(DataSource ds, String db, String prefix, int n, int threads) throws Exception {
        AtomicLong first = new AtomicLong(); // System.nanoTime() of the first execution; the first one wins
        AtomicLong last = new AtomicLong(); // of the last completion
        CountDownLatch done = new CountDownLatch(n);
        OneTimeTask<Void> task = Tasks.oneTime(TASK).execute((instance, context) -> {
            if (first.get() == 0) {
                first.compareAndSet(0, System.nanoTime());
            }
        });

        long t0 = System.nanoTime();
        SchedulerClient client = SchedulerClient.Builder.create(ds, task).build();
        client.scheduleBatch(IntStream.range(0, n).mapToObj(i -> (TaskInstance<?>) task.instance(prefix + i)),
                Instant.now());
        Bench.log("db-scheduler: inserted %d tasks in %.1f s; draining (load %s)", n,
                (System.nanoTime() - t0) / 1e9, Bench.loadavg());

        // The polling interval stays at its default (10 s): it only says how soon an idle scheduler
        // looks again. While fetches come back full, as they do on a backlog, the next one is
        // triggered when the executor's queue falls to the lower limit, not by the interval.
        Scheduler scheduler = Scheduler.create(ds, task)
                .threads(threads)
                .pollUsingLockAndFetch(LOWER_LIMIT, UPPER_LIMIT)
                // Called once the completion handler has deleted the row (ExecutePicked.complete),
                // so the last one is the end of the drain, with no polling of the table meanwhile.
                .addSchedulerListener(new AbstractSchedulerListener() {
                    @Override
                    public void onExecutionComplete(ExecutionComplete complete) {
                        last.accumulateAndGet(System.nanoTime(), Math::max);
                        done.countDown();
                    }
                })
                .build();
        Cpu cpu = Cpu.start(List.of(), List.of(), db);
        scheduler.start();
        Cpu.Spent spent;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            while (!done.await(10, TimeUnit.SECONDS)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("db-scheduler: only " + (n - done.getCount()) + " of " + n
                            + " tasks completed within 600 s");
                }
                Bench.log("  %d of %d done", n - done.getCount(), n);
            }
            spent = cpu.stop();
        } finally {
            scheduler.stop();
        }
        try (Connection c = ds.getConnection()) {
            long left = Sql.scalar(c, "select count(*) from scheduled_tasks where task_name = ?", TASK);
            if (left != 0) {
                throw new IllegalStateException("db-scheduler: " + left + " of " + n + " rows left after the drain");
            }
        }
        double seconds = (last.get() - first.get()) / 1e9;
        return new Result(seconds > 0 ? n / seconds : Double.NaN, seconds, spent);
    }
}
