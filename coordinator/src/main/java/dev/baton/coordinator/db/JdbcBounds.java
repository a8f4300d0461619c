package dev.baton.coordinator.db;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long any database call may take, so that a database that stops answering (a silent network
 * partition: no bytes, no reset) makes a request 503 instead of hanging it. Two layers, from
 * BATON_DB_STATEMENT_TIMEOUT_MS:
 * <ul>
 *   <li>PostgreSQL's {@code statement_timeout}, set on every pooled connection: a statement that
 *       runs too long on a database that still answers is cancelled there, and its transaction
 *       changed nothing (57014, "nothing was written");</li>
 *   <li>the driver's {@code socketTimeout}, 2 s longer (whole seconds): an answer that has not come
 *       by then will not come, and the connection is given up (08006). During a COMMIT (or a
 *       statement on its own) that means the outcome is unknown, which {@link Db} says.</li>
 * </ul>
 * A transaction is never left open for long: PostgreSQL ends one that waits idle for its next
 * statement longer than the socket timeout ({@code idle_in_transaction_session_timeout}; Baton runs
 * no other work inside its transactions, and the coordinator itself gives up on any answer after
 * as long). A coordinator paused mid-transaction (SIGSTOP, a long GC) or cut off from PostgreSQL by
 * a silent partition, whose backend would otherwise keep its row locks until the link is back or
 * TCP keepalive gives up (hours), then releases them within seconds. Shorter is not better: a
 * coordinator merely starved of CPU for a second (a chaos run on overloaded cores, at a third of
 * the statement timeout) had healthy transactions ended under it.
 * Opening a connection is bounded by {@code connectTimeout} and {@code loginTimeout} (the same
 * seconds) and waiting for one by the pool's own timeout; TCP keepalive and the pool's keepalive
 * find dead idle connections. Parameters the operator already put in BATON_DB_URL are kept.
 */
public final class JdbcBounds {
    /** What the socket waits beyond the statement timeout: PostgreSQL's cancel must have time to come back. */
    static final long SOCKET_MARGIN_MS = 2000;

    private JdbcBounds() {
    }

    /** How long a schema migration's statement may wait for an answer ({@link Migrations}): an hour. */
    public static final long MIGRATION_SOCKET_TIMEOUT_SECONDS = 3600;

    /** The longest any one database call waits for an answer: the documented bound of a 503. */
    public static long socketTimeoutSeconds(long statementTimeoutMs) {
        return (statementTimeoutMs + SOCKET_MARGIN_MS + 999) / 1000;
    }

    /** {@code url} with the driver's timeouts added where it does not set them itself. */
    public static String url(String url, long statementTimeoutMs) {
        return withBounds(url, socketTimeoutSeconds(statementTimeoutMs), socketTimeoutSeconds(statementTimeoutMs));
    }

    /** {@code url} for the schema migrations: connecting bounded as for requests, an answer awaited up to an hour. */
    public static String migrationUrl(String url, long statementTimeoutMs) {
        return withBounds(url, MIGRATION_SOCKET_TIMEOUT_SECONDS, socketTimeoutSeconds(statementTimeoutMs));
    }

    private static String withBounds(String url, long socketSeconds, long connectSeconds) {
        Map<String, String> bounds = new LinkedHashMap<>();
        bounds.put("socketTimeout", String.valueOf(socketSeconds));
        bounds.put("connectTimeout", String.valueOf(connectSeconds));
        bounds.put("loginTimeout", String.valueOf(connectSeconds));
        bounds.put("tcpKeepAlive", "true");
        StringBuilder out = new StringBuilder(url);
        String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
        char separator = url.contains("?") ? (query.isEmpty() || query.endsWith("&") ? 0 : '&') : '?';
        for (Map.Entry<String, String> e : bounds.entrySet()) {
            if (!hasParameter(query, e.getKey())) {
                if (separator != 0) {
                    out.append(separator);
                }
                out.append(e.getKey()).append('=').append(e.getValue());
                separator = '&';
            }
        }
        return out.toString();
    }

    /** How long PostgreSQL lets a Baton transaction wait idle for its next statement before ending it. */
    public static long idleInTransactionMs(long statementTimeoutMs) {
        return socketTimeoutSeconds(statementTimeoutMs) * 1000;
    }

    /** Run on each new pooled connection. */
    public static String initSql(long statementTimeoutMs) {
        return "SET statement_timeout = " + statementTimeoutMs + "; SET idle_in_transaction_session_timeout = "
                + idleInTransactionMs(statementTimeoutMs);
    }

    private static boolean hasParameter(String query, String name) {
        for (String pair : query.split("&")) {
            if (pair.equalsIgnoreCase(name) || pair.toLowerCase().startsWith(name.toLowerCase() + "=")) {
                return true;
            }
        }
        return false;
    }
}
