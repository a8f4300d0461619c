package dev.baton.coordinator.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.baton.common.JobStatus;
import dev.baton.coordinator.testing.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's own database ({@code @RegisterExtension static final MigratedDatabase db = new
 * MigratedDatabase()}) with Baton's Flyway migrations applied and nothing else running on it, for
 * the tests of db/'s statements: job rows put in exactly the state a guard is about by plain SQL,
 * rows as text to compare before and after, and the signals a race test waits for (a backend
 * waiting on a lock, two writers released at once). Tests move a row's times by SQL (e.g. a lease
 * expired a second ago), never by waiting.
 */
final class MigratedDatabase implements BeforeAllCallback, AfterAllCallback {
    /** The lease token every running row of {@link #insert} holds. */
    static final String TOKEN = "lease-of-the-row";
    private String name;
    /** The test's connection, in autocommit unless a test says otherwise. */
    Connection c;
    private HikariDataSource pool;
    private final AtomicInteger names = new AtomicInteger();

    @Override
    public void beforeAll(ExtensionContext context) throws SQLException {
        name = TestServices.createDatabase(context.getRequiredTestClass());
        TestServices.Postgres pg = TestServices.postgres();
        Migrations.apply(pg.urlFor(name), pg.user(), pg.password(), 3000);
        c = connect();
    }

    @Override
    public void afterAll(ExtensionContext context) throws SQLException {
        c.close();
        if (pool != null) {
            pool.close();
        }
        TestServices.dropDatabase(name);
    }

    /** Another connection to the database, in autocommit. */
    Connection connect() throws SQLException {
        TestServices.Postgres pg = TestServices.postgres();
        return DriverManager.getConnection(pg.urlFor(name), pg.user(), pg.password());
    }

    /** Its JDBC URL, for a test that connects its own way (through a proxy, say). */
    String url() {
        return TestServices.postgres().urlFor(name);
    }

    /**
     * A pool of two connections to it, as the coordinator's pool hands them out (a dead one is
     * replaced); made on first use, closed with the database.
     */
    synchronized HikariDataSource pool() {
        if (pool == null) {
            TestServices.Postgres pg = TestServices.postgres();
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(pg.urlFor(name));
            config.setUsername(pg.user());
            config.setPassword(pg.password());
            config.setMaximumPoolSize(2);
            pool = new HikariDataSource(config);
        }
        return pool;
    }

    /** {@code prefix}-NNNN, numbered in the order made: a queue, key or name no other test used. */
    String unique(String prefix) {
        return "%s-%04d".formatted(prefix, names.incrementAndGet());
    }

    // --- job rows, on the test's connection ---

    /**
     * A due job of {@code queue} in {@code status}: attempt 1 of 5 once claimed (0 while queued) at
     * version 1, timeout 3600 s, started and finished (as its status has it) a minute ago; a
     * running one holds lease {@link #TOKEN}, worker w1, which expires in a minute. Any other status
     * has no lease, as the schema requires.
     */
    long insert(String queue, JobStatus status) throws SQLException {
        return insert(1, queue, status).get(0);
    }

    /** {@code n} jobs as {@link #insert(String, JobStatus)} makes one, in one statement; their ids ascending. */
    List<Long> insert(int n, String queue, JobStatus status) throws SQLException {
        boolean running = status == JobStatus.RUNNING;
        List<Long> ids = new ArrayList<>();
        for (Map<String, String> row : rows(c, """
                insert into jobs (queue, type, payload, status, attempt, max_attempts, run_at, started_at, finished_at,
                                  lease_token, lease_expires_at, lease_ms, worker_id, timeout_seconds,
                                  backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter)
                select ?, 'test', '{}', ?, ?, 5, now() - interval '1 minute',
                       case when ? then now() - interval '1 minute' end,
                       case when ? then now() - interval '1 minute' end,
                       ?, case when ? then now() + interval '1 minute' end, 60000,
                       case when ? then 'w1' end, 3600, 1000, 2, 60000, 0
                from generate_series(1, ?)
                returning id""", queue, status.wire(), status == JobStatus.QUEUED ? 0 : 1, status != JobStatus.QUEUED,
                status.isFinished(), running ? TOKEN : null, running, status != JobStatus.QUEUED, n)) {
            ids.add(Long.parseLong(row.get("id")));
        }
        ids.sort(null);
        return ids;
    }

    /** A running job as {@link #insert(String, JobStatus)} makes one, whose lease expired a millisecond ago. */
    long insertExpired(String queue) throws SQLException {
        long id = insert(queue, JobStatus.RUNNING);
        exec(c, "update jobs set lease_expires_at = now() - interval '1 millisecond' where id = ?", id);
        return id;
    }

    /** Every column of the job's row, as text; null when the row is gone. */
    Map<String, String> row(long id) throws SQLException {
        List<Map<String, String>> rows = rows(c, "select * from jobs where id = ?", id);
        return rows.isEmpty() ? null : rows.get(0);
    }

    String status(long id) throws SQLException {
        return (String) value(c, "select status from jobs where id = ?", id);
    }

    /** The job's event types in the order they were written. */
    List<String> events(long id) throws SQLException {
        return rows(c, "select type from job_events where job_id = ? order by id", id).stream()
                .map(r -> r.get("type")).toList();
    }

    /**
     * Another connection holding the job's row lock in an open transaction, as a concurrent claim
     * or admin change would; closing it releases the lock.
     */
    Connection holdingRowLock(long id) throws SQLException {
        Connection other = connect();
        other.setAutoCommit(false);
        exec(other, "select 1 from jobs where id = ? for update", id);
        return other;
    }

    @FunctionalInterface
    interface Steps {
        void run() throws SQLException;
    }

    /**
     * Runs {@code steps} on {@link #c} in one transaction, committed at the end: now() is the same
     * for every statement inside, so a test can check a time a statement stamped exactly.
     */
    void inOneTransaction(Steps steps) throws SQLException {
        inOneTransaction(steps, true);
    }

    /** As {@link #inOneTransaction(Steps)}, rolled back at the end, so nothing it did stays for the next test. */
    void inOneTransactionRolledBack(Steps steps) throws SQLException {
        inOneTransaction(steps, false);
    }

    private void inOneTransaction(Steps steps, boolean commit) throws SQLException {
        c.setAutoCommit(false);
        try {
            steps.run();
            if (commit) {
                c.commit();
            }
        } finally {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    // --- plain SQL, on any connection ---

    /** Runs {@code sql} and returns the rows it changed. */
    static int exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            ps.execute();
            return Math.max(ps.getUpdateCount(), 0);
        }
    }

    /** Every row {@code sql} returns, each column by name as text (null as null, bytes as hex), in the order returned. */
    static List<Map<String, String>> rows(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<Map<String, String>> out = new ArrayList<>();
                while (rs.next()) {
                    Map<String, String> row = new TreeMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        Object v = rs.getObject(i);
                        row.put(rs.getMetaData().getColumnName(i).toLowerCase(Locale.ROOT), v == null ? null
                                : v instanceof byte[] bytes ? HexFormat.of().formatHex(bytes) : v.toString());
                    }
                    out.add(row);
                }
                return out;
            }
        }
    }

    /** The first column of the one row {@code sql} reads. */
    static Object value(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no row: " + sql);
                }
                return rs.getObject(1);
            }
        }
    }

    /** {@link #value} of a number. */
    static long queryLong(Connection c, String sql, Object... args) throws SQLException {
        return ((Number) value(c, sql, args)).longValue();
    }

    /** {@link #value} of a condition. */
    static boolean check(Connection c, String sql, Object... args) throws SQLException {
        return (Boolean) value(c, sql, args);
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    // --- races ---

    /** Runs {@code work} on a thread of its own. */
    static <T> CompletableFuture<T> inBackground(Callable<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return work.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    /** Commits {@code on} and returns {@code result}: the end of a writer's transaction in a race. */
    static <T> T committed(Connection on, T result) throws SQLException {
        on.commit();
        return result;
    }

    static int backendPid(Connection c) throws SQLException {
        return (int) queryLong(c, "select pg_backend_pid()");
    }

    /**
     * Returns once backend {@code pid} waits on a lock, or {@code done} has finished (then it
     * never waited, which the caller's assertions catch). A signal from the server, polled. Take
     * the pid before the work that may wait starts: a connection serves one call at a time.
     */
    static void awaitWaitingOnLock(Connection watcher, int pid, Future<?> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.isDone()) {
            if (queryLong(watcher, "select count(*) from pg_stat_activity where pid = ? and wait_event_type = 'Lock'",
                    pid) == 1) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("backend " + pid + " neither waited on a lock nor finished within 10 s");
            }
            Thread.sleep(2);
        }
    }

    /** Runs each writer on a thread of its own, all released together, and returns their results in order. */
    @SafeVarargs
    static <T> List<T> race(Callable<T>... writers) throws Exception {
        CyclicBarrier start = new CyclicBarrier(writers.length);
        ExecutorService threads = Executors.newFixedThreadPool(writers.length);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> w : writers) {
                futures.add(threads.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return w.call();
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(20, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }
}
