package dev.baton.coordinator.db;

import org.flywaydb.core.Flyway;

/**
 * Baton's schema migrations (Flyway, {@code classpath:db/migration}), run once at start before
 * the coordinator serves anything, on a connection of their own. Not on the request pool: its
 * connections carry the bounds of a request (a statement over BATON_DB_STATEMENT_TIMEOUT_MS is
 * cancelled, a transaction left idle past the socket timeout is ended; {@link JdbcBounds}), and a migration
 * legitimately runs longer (an index built over a million jobs) and idles between its statements
 * while Flyway works (a chaos run on two overloaded cores saw a coordinator's first migration
 * ended by PostgreSQL for idling, and the coordinator exit). A migration is bounded only by
 * {@link JdbcBounds#MIGRATION_SOCKET_TIMEOUT_SECONDS} and by connecting.
 */
public final class Migrations {
    public static final String LOCATION = "classpath:db/migration";

    private Migrations() {
    }

    /** Applies every pending migration; throws (Flyway's exception, the SQL cause inside) if one fails. */
    public static void apply(String url, String user, String password, long statementTimeoutMs) {
        Flyway.configure()
                .dataSource(JdbcBounds.migrationUrl(url, statementTimeoutMs), user, password)
                .locations(LOCATION)
                .initSql("SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0")
                .load()
                .migrate();
    }
}
