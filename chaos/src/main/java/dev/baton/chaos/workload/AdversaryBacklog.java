package dev.baton.chaos.workload;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many adversary jobs wait in their queue, read from the database once a second, so that the
 * producers offer them no faster than the six adversaries take them. The adversaries are
 * instruments, not a capacity: on cores shared with a second run they fell behind an open-loop
 * 10% of 300 jobs/s, and the drain then met thousands of their jobs. Past {@link #CAP} the producers
 * enqueue echo jobs in their place. Read past the proxies (the harness's own view); while the
 * database is away the last count stands.
 */
public final class AdversaryBacklog implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdversaryBacklog.class);
    static final long CAP = 200;
    private final String jdbcUrl;
    private final Thread thread;
    private volatile long queued;

    public AdversaryBacklog(String jdbcUrl) {
        this.jdbcUrl = jdbcUrl;
        this.thread = Thread.ofPlatform().daemon().name("adversary-backlog").unstarted(this);
    }

    public AdversaryBacklog start() {
        thread.start();
        return this;
    }

    /** Whether the adversaries already have enough waiting. */
    public boolean full() {
        return queued >= CAP;
    }

    @Override
    public void run() {
        Connection c = null;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (c == null || c.isClosed()) {
                    c = DriverManager.getConnection(jdbcUrl + "?connectTimeout=2&socketTimeout=5", "postgres", "");
                }
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "select count(*) from jobs where queue = '" + Producer.ADVERSARY_QUEUE + "' and status = 'queued'")) {
                    rs.next();
                    queued = rs.getLong(1);
                }
            } catch (SQLException e) {
                LOG.debug("adversary backlog not read: {}", e.getMessage());
                closeQuietly(c);
                c = null;
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                break;
            }
        }
        closeQuietly(c);
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException ignored) {
            // already broken
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(10_000);
    }
}
