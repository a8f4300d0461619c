package dev.baton.coordinator;

import dev.baton.coordinator.config.Settings;
import io.micronaut.context.ApplicationContext;
import java.io.EOFException;
import java.net.BindException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A coordinator started while its database cannot be reached (PostgreSQL still starting or
 * restarting, a link down) waits for it instead of exiting: it tries the start again every
 * second for up to {@link #WAIT_MS}, saying once that it waits. Coordinators and their database
 * are often started together, and one restarted during a database outage must come back by itself.
 * Any other failure (a bad setting, a port in use, a migration that fails) ends the start at once.
 */
final class DatabaseWait {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseWait.class);
    static final long WAIT_MS = 60_000;
    private static final long RETRY_MS = 1000;

    private DatabaseWait() {
    }

    static ApplicationContext untilStarted(Settings settings, Function<Settings, ApplicationContext> start)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
        boolean said = false;
        while (true) {
            try {
                ApplicationContext context = start.apply(settings);
                if (said) {
                    LOG.info("database reached; coordinator started");
                }
                return context;
            } catch (RuntimeException e) {
                if (!isUnreachable(e) || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                if (!said) {
                    LOG.warn("database unreachable at start ({}); trying again every {} ms for up to {} s",
                            CoordinatorMain.rootMessage(e), RETRY_MS, WAIT_MS / 1000);
                    said = true;
                }
                Thread.sleep(RETRY_MS);
            }
        }
    }

    /**
     * A connection that could not be made or was lost: SQL state class 08 or 57P (or 25P03, a
     * transaction the server ended for idling on starved cores), a SQLException
     * with no state (a connection closed under the pool), or a socket error underneath (but not a
     * port of our own already in use). A migration that fails has a state of its own and is not waited for.
     */
    static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof EOFException
                    || t instanceof SocketTimeoutException || (t instanceof SocketException && !(t instanceof BindException))) {
                return true;
            }
            // no state: the driver's or the pool's own word for a connection that broke ("Connection is closed")
            // 25P03: the server ended a start-up transaction left idle (JdbcBounds): nothing was written
            if (t instanceof SQLException s && (s.getSQLState() == null || s.getSQLState().startsWith("08")
                    || s.getSQLState().startsWith("57P") || s.getSQLState().equals("25P03"))) {
                return true;
            }
        }
        return false;
    }
}
