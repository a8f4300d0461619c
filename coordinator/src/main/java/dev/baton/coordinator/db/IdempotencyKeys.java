package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The {@code idempotency_keys} table: one stored first answer per (caller, key), for 24 hours. */
@Singleton
public final class IdempotencyKeys {
    /** How long a key holds its answer; after that it is free again and the row is pruned. */
    public static final String LIFETIME = "24 hours";

    /** A key's row as the first request left it. */
    public record Stored(String route, byte[] requestHash, int status, String headersJson, String body) {
    }

    /**
     * The unique key decides between concurrent requests with one key: the second waits here
     * until the first's transaction ends, then finds its answer (or, if it rolled back, takes
     * the key). A row past its lifetime is taken over in place.
     */
    private static final String TAKE_UNLESS_HELD = """
            insert into idempotency_keys (caller, key, route, request_hash)
            values (?, ?, ?, ?)
            on conflict (caller, key) do update
               set route = excluded.route, request_hash = excluded.request_hash,
                   status = null, headers = null, body = null, created_at = now()
             where idempotency_keys.created_at < now() - interval '%s'
            returning 1
            """.formatted(LIFETIME);

    /** Whether this request now holds the key (and must store its answer before committing). */
    public boolean takeUnlessHeld(Connection c, String caller, String key, String route, byte[] requestHash)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(TAKE_UNLESS_HELD)) {
            ps.setString(1, caller);
            ps.setString(2, key);
            ps.setString(3, route);
            ps.setBytes(4, requestHash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static final String FIND_LIVE = """
            select route, request_hash, status, headers::text, body
              from idempotency_keys
             where caller = ? and key = ? and created_at >= now() - interval '%s'
            """.formatted(LIFETIME);

    /** The answer stored under the key, or null when none is (any more). */
    public Stored findLive(Connection c, String caller, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_LIVE)) {
            ps.setString(1, caller);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Stored(rs.getString(1), rs.getBytes(2), rs.getInt(3), rs.getString(4), rs.getString(5));
            }
        }
    }

    private static final String STORE_ANSWER = """
            update idempotency_keys set status = ?, headers = ?::jsonb, body = ?
             where caller = ? and key = ? and status is null
            """;

    public void storeAnswer(Connection c, String caller, String key, int status, String headersJson, String body)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STORE_ANSWER)) {
            ps.setInt(1, status);
            ps.setString(2, headersJson);
            ps.setString(3, body);
            ps.setString(4, caller);
            ps.setString(5, key);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("idempotency key row vanished inside its own transaction");
            }
        }
    }

    private static final String DELETE_EXPIRED = """
            delete from idempotency_keys
             where ctid in (select ctid from idempotency_keys
                             where created_at < now() - interval '%s' limit ?)
            """.formatted(LIFETIME);

    /** Deletes up to {@code limit} rows past their lifetime; returns how many. */
    public int deleteExpired(Connection c, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_EXPIRED)) {
            ps.setInt(1, limit);
            return ps.executeUpdate();
        }
    }
}
