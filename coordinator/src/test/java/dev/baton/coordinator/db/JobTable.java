package dev.baton.coordinator.db;

import dev.baton.common.JobStatus;
import dev.baton.coordinator.testing.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's own database ({@code @RegisterExtension static final JobTable db = new JobTable()}),
 * migrated by Baton's migrations and touched by nothing else, with
 * job rows put in it by plain SQL so that each guarded statement can be run on a row in exactly the
 * state its guard is about. Tests move a row's times with {@link #exec} (e.g. a lease expired a
 * second ago), never by waiting.
 */
final class JobTable implements BeforeAllCallback, AfterAllCallback {
    /** The lease token every running row of {@link #insert} holds. */
    static final String TOKEN = "lease-of-the-row";
    private String database;
    /** The test's connection, in autocommit unless a test says otherwise. */
    Connection c;

    @Override
    public void beforeAll(ExtensionContext context) throws SQLException {
        database = TestServices.createDatabase(context.getRequiredTestClass());
        TestServices.Postgres pg = TestServices.postgres();
        Flyway.configure().dataSource(pg.urlFor(database), pg.user(), pg.password()).locations("classpath:db/migration")
                .load().migrate();
        c = another();
    }

    @Override
    public void afterAll(ExtensionContext context) throws SQLException {
        c.close();
        TestServices.dropDatabase(database);
    }

    /**
     * A due job of {@code queue} in {@code status}: attempt 1 of 5 once claimed (0 while queued),
     * timeout 3600 s, started and finished (as its status has it) a minute ago; a running one holds
     * lease {@link #TOKEN}, worker w1, which expires in a minute.
     */
    long insert(String queue, JobStatus status) throws SQLException {
        boolean running = status == JobStatus.RUNNING;
        try (PreparedStatement ps = c.prepareStatement("""
                insert into jobs (queue, type, payload, status, attempt, max_attempts, run_at, started_at, finished_at,
                                  lease_token, lease_expires_at, lease_ms, worker_id, timeout_seconds,
                                  backoff_initial_ms, backoff_factor, backoff_max_ms, backoff_jitter)
                values (?, 'test', '{}', ?, ?, 5, now() - interval '1 minute',
                        case when ? then now() - interval '1 minute' end,
                        case when ? then now() - interval '1 minute' end,
                        ?, case when ? then now() + interval '1 minute' end, 60000,
                        case when ? then 'w1' end, 3600, 1000, 2, 60000, 0)
                returning id""")) {
            ps.setString(1, queue);
            ps.setString(2, status.wire());
            ps.setInt(3, status == JobStatus.QUEUED ? 0 : 1);
            ps.setBoolean(4, status != JobStatus.QUEUED);
            ps.setBoolean(5, status.isFinished());
            ps.setString(6, running ? TOKEN : null);
            ps.setBoolean(7, running);
            ps.setBoolean(8, status != JobStatus.QUEUED);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
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
        c.setAutoCommit(false);
        try {
            steps.run();
            c.commit();
        } finally {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    int exec(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    /** The first column of the one row {@code sql} reads. */
    Object value(String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no row: " + sql);
                }
                return rs.getObject(1);
            }
        }
    }

    boolean check(String sql, Object... params) throws SQLException {
        return (Boolean) value(sql, params);
    }

    /** Every column of the job's row, as text; null when the row is gone. */
    Map<String, Object> row(long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select * from jobs where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> row = new TreeMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.put(rs.getMetaData().getColumnName(i).toLowerCase(Locale.ROOT), v == null ? null : v.toString());
                }
                return row;
            }
        }
    }

    String status(long id) throws SQLException {
        return (String) value("select status from jobs where id = ?", id);
    }

    /** The job's event types in the order they were written. */
    List<String> events(long id) throws SQLException {
        List<String> types = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select type from job_events where job_id = ? order by id")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    types.add(rs.getString(1));
                }
            }
        }
        return types;
    }

    /**
     * Another connection holding the job's row lock in an open transaction, as a concurrent claim
     * or admin change would; closing it releases the lock.
     */
    Connection holdingRowLock(long id) throws SQLException {
        Connection other = another();
        other.setAutoCommit(false);
        try (PreparedStatement ps = other.prepareStatement("select 1 from jobs where id = ? for update")) {
            ps.setLong(1, id);
            ps.execute();
        }
        return other;
    }

    /** Another connection to the same database. */
    Connection another() throws SQLException {
        TestServices.Postgres pg = TestServices.postgres();
        return DriverManager.getConnection(pg.urlFor(database), pg.user(), pg.password());
    }

    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }
}
