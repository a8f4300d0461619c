package dev.baton.coordinator.db;

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
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A test class's own database with Baton's Flyway migrations applied and nothing running on it,
 * for the tests of db/'s statements: plain connections, rows as text to compare before and after,
 * and the signals a race test waits for (a backend waiting on a lock, two writers released at once).
 */
final class MigratedDatabase implements AutoCloseable {
    private final String name;
    private final TestServices.Postgres pg;

    private MigratedDatabase(String name, TestServices.Postgres pg) {
        this.name = name;
        this.pg = pg;
    }

    static MigratedDatabase create(Class<?> owner) {
        TestServices.Postgres pg = TestServices.postgres();
        MigratedDatabase db = new MigratedDatabase(TestServices.createDatabase(owner), pg);
        Flyway.configure().dataSource(pg.urlFor(db.name), pg.user(), pg.password())
                .locations("classpath:db/migration").load().migrate();
        return db;
    }

    /** A new connection in autocommit. */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(pg.urlFor(name), pg.user(), pg.password());
    }

    /** Connections to it as the coordinator's pool hands them out, unpooled. */
    DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(pg.urlFor(name));
        ds.setUser(pg.user());
        ds.setPassword(pg.password());
        return ds;
    }

    @Override
    public void close() {
        TestServices.dropDatabase(name);
    }

    /** Every row {@code sql} returns, each column by name as text (null as null), in the order returned. */
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

    /** The one value {@code sql} returns. */
    static long queryLong(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static void exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            ps.execute();
        }
    }

    /**
     * A job of {@code queue} in {@code status}, attempt 1 at version 1. A running one holds lease
     * {@code token} until now() + {@code leaseLeft} (an interval: '-1 second' has expired); any
     * other status has no lease, as the schema requires.
     */
    static long insertJob(Connection c, String queue, String status, String token, String leaseLeft)
            throws SQLException {
        return insertJobs(c, 1, queue, status, token, leaseLeft).get(0);
    }

    /** {@code n} jobs as {@link #insertJob} makes one, in one statement; their ids ascending. */
    static List<Long> insertJobs(Connection c, int n, String queue, String status, String token, String leaseLeft)
            throws SQLException {
        boolean running = status.equals("running");
        List<Long> ids = new ArrayList<>();
        for (Map<String, String> row : rows(c, """
                insert into jobs (queue, type, payload, status, attempt, max_attempts, run_at, started_at, finished_at,
                                  lease_token, lease_expires_at, lease_ms, worker_id, timeout_seconds,
                                  backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter)
                select ?, 'db.test', '{}', ?, case when ? = 'queued' then 0 else 1 end, 5, now() - interval '1 minute',
                       case when ? <> 'queued' then now() - interval '1 minute' end,
                       case when ? in ('succeeded', 'failed', 'cancelled') then now() end,
                       ?, now() + ?::interval, 30000, 'w1', 3600, 1000, 2, 60000, 0
                from generate_series(1, ?)
                returning id""", queue, status, status, status, status, running ? token : null,
                running ? leaseLeft : null, n)) {
            ids.add(Long.parseLong(row.get("id")));
        }
        ids.sort(null);
        return ids;
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

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
