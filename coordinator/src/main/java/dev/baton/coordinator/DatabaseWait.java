package dev.baton.coordinator;

import dev.baton.coordinator.config.Settings;
import io.micronaut.context.ApplicationContext;
import java.io.EOFException;
import java.net.BindException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.cert.CertificateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A coordinator started while its database cannot be reached (PostgreSQL still starting or
 * restarting, a link down) waits for it instead of exiting: it tries the start again every
 * second for up to {@link #WAIT_MS}, saying once that it waits. Coordinators and their database
 * are often started together, and one restarted during a database outage must come back by itself.
 * Any other failure (a bad setting, a port in use, a migration that fails, a database whose TLS
 * certificate is refused) ends the start at once.
 */
final class DatabaseWait {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseWait.class);
    static final long WAIT_MS = 60_000;
    /** What PgJDBC's message names when the server's certificate does not name the host it connected to. */
    private static final String HOST_CHECK = "PgjdbcHostnameVerifier";
    private static final long RETRY_MS = 1000;

    private DatabaseWait() {
    }

    static ApplicationContext untilStarted(Settings settings, Function<Settings, ApplicationContext> start)
            throws InterruptedException {
        return untilStarted(settings, start, System::nanoTime);
    }

    /**
     * The {@link #WAIT_MS} count from the first failure, not from the start: a start slowed by
     * starved cores (a soak saw a JVM take 49 s to reach its first connection) does not use up the
     * wait for a database that is restarting meanwhile.
     */
    static ApplicationContext untilStarted(Settings settings, Function<Settings, ApplicationContext> start,
                                           LongSupplier nanoClock) throws InterruptedException {
        long deadline = 0;
        boolean waiting = false;
        while (true) {
            try {
                ApplicationContext context = start.apply(settings);
                if (waiting) {
                    LOG.info("database reached; coordinator started");
                }
                return context;
            } catch (RuntimeException e) {
                if (isCertificateRefused(e)) {
                    throw certificateRefused(e);
                }
                if (!isUnreachable(e) || (waiting && nanoClock.getAsLong() - deadline > 0)) {
                    throw e;
                }
                if (!waiting) {
                    deadline = nanoClock.getAsLong() + WAIT_MS * 1_000_000;
                    waiting = true;
                    LOG.warn("database unreachable at start ({}); trying again every {} ms for up to {} s",
                            CoordinatorMain.rootMessage(e), RETRY_MS, WAIT_MS / 1000);
                }
                Thread.sleep(RETRY_MS);
            }
        }
    }

    /**
     * The database answered, but its TLS certificate was refused: not signed by a CA in the URL's
     * {@code sslrootcert} (the handshake fails on a CertificateException), or, under
     * {@code sslmode=verify-full}, not naming the URL's host. The driver's state for both is 08006,
     * a connection failure, yet waiting mends neither, so the start ends at once. The host check is
     * the driver's own ({@code PgjdbcHostnameVerifier}) and throws a PSQLException with no cause,
     * whose stack trace the driver refills on another thread (under {@code loginTimeout}, which
     * Baton always sets): it is known by its message, which names the verifier in every language.
     * A verifier of the operator's own ({@code sslhostnameverifier}) is not recognised, and a host it
     * refuses is waited for like an unreachable database.
     */
    static boolean isCertificateRefused(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof CertificateException) {
                return true;
            }
            if (t instanceof SQLException && t.getMessage() != null && t.getMessage().contains(HOST_CHECK)) {
                return true;
            }
        }
        return false;
    }

    /** A start failure that says what to check, with the driver's own words; the failure itself is kept as suppressed. */
    private static IllegalStateException certificateRefused(RuntimeException e) {
        var refused = new IllegalStateException("the database's TLS certificate was refused ("
                + CoordinatorMain.rootMessage(e) + "): the sslrootcert file of BATON_DB_URL must hold the CA "
                + "that signed it, and with sslmode=verify-full it must name the host of BATON_DB_URL");
        refused.addSuppressed(e);
        return refused;
    }

    /**
     * A connection that could not be made or was lost: SQL state class 08 or 57P (or 25P03, a
     * transaction the server ended for idling on starved cores; or 42P07, a table JobRunr's start
     * found already created: see below), a SQLException
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
            // 25P03: the server ended a start-up transaction left idle (JdbcBounds): nothing was written.
            // 42P07: JobRunr creating a table that is there (it took a connection reset while reading
            // which of its migrations ran for "none ran", or another coordinator created it at the
            // same moment); the next try reads its migrations again and finds them applied.
            if (t instanceof SQLException s && (s.getSQLState() == null || s.getSQLState().startsWith("08")
                    || s.getSQLState().startsWith("57P") || s.getSQLState().equals("25P03")
                    || s.getSQLState().equals("42P07"))) {
                return true;
            }
        }
        return false;
    }
}
