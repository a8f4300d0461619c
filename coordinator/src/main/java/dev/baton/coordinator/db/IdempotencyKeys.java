package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code idempotency_keys} table: one stored first answer per (caller, key), for 24 hours;
 * and {@code idempotency_steps}: the answers of a keyed bulk's operations, each committed with its
 * operation, until the bulk's own answer is stored.
 */
@Singleton
public final class IdempotencyKeys {
    /** How long a key holds its answer; after that it is free again and the row is pruned. */
    public static final String LIFETIME = "24 hours";

    /** The request a key was taken for: who sent it, the key, and the hash of its body. */
    public record Taken(String caller, String key, byte[] requestHash) {
    }

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

    /**
     * A key's transaction stays idle while the steps of its request run on other connections:
     * PostgreSQL's idle-in-transaction bound (the socket timeout, there so that a stalled
     * coordinator's locks on jobs are freed) would end it mid-bulk. It holds no job's row, only
     * its key, which only resends of that very request wait for: allow it a minute (a bulk
     * slower than that ends with a 503 whose committed steps its resend answers).
     */
    public void holdWhileStepping(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("set local idle_in_transaction_session_timeout = '1min'")) {
            ps.execute();
        }
    }

    private static final String FIND_STEPS = """
            select step, answer from idempotency_steps
             where caller = ? and key = ? and request_hash = ? and created_at >= now() - interval '%s'
            """.formatted(LIFETIME);

    /** The answers stored by the steps of an earlier try of this very request, by step. */
    public Map<Integer, String> findSteps(Connection c, Taken taken) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_STEPS)) {
            ps.setString(1, taken.caller());
            ps.setString(2, taken.key());
            ps.setBytes(3, taken.requestHash());
            Map<Integer, String> steps = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    steps.put(rs.getInt(1), rs.getString(2));
                }
            }
            return steps;
        }
    }

    // A row left by another body under the key (whose try ended before its answer was stored), or
    // past its lifetime, is replaced: only this request runs under the key now (its row is held).
    private static final String STORE_STEP = """
            insert into idempotency_steps (caller, key, request_hash, step, answer) values (?, ?, ?, ?, ?)
            on conflict (caller, key, step) do update
               set request_hash = excluded.request_hash, answer = excluded.answer, created_at = now()
            """;

    /** Stores a step's answer; in the transaction of the step's effect, so both commit or neither. */
    public void storeStep(Connection c, Taken taken, int step, String answer) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STORE_STEP)) {
            ps.setString(1, taken.caller());
            ps.setString(2, taken.key());
            ps.setBytes(3, taken.requestHash());
            ps.setInt(4, step);
            ps.setString(5, answer);
            ps.executeUpdate();
        }
    }

    private static final String FORGET_STEPS = "delete from idempotency_steps where caller = ? and key = ?";

    /** Deletes a key's steps: its whole answer is stored, in this same transaction. */
    public void forgetSteps(Connection c, String caller, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FORGET_STEPS)) {
            ps.setString(1, caller);
            ps.setString(2, key);
            ps.executeUpdate();
        }
    }

    private static final String DELETE_EXPIRED = """
            delete from idempotency_keys
             where ctid in (select ctid from idempotency_keys
                             where created_at < now() - interval '%s' limit ?)
            """.formatted(LIFETIME);

    private static final String DELETE_EXPIRED_STEPS = """
            delete from idempotency_steps
             where ctid in (select ctid from idempotency_steps
                             where created_at < now() - interval '%s' limit ?)
            """.formatted(LIFETIME);

    /**
     * Deletes up to {@code limit} keys and up to {@code limit} steps past their lifetime; returns
     * the larger count, so a pruner goes on while either table had a full batch.
     */
    public int deleteExpired(Connection c, int limit) throws SQLException {
        int n = 0;
        for (String sql : new String[] {DELETE_EXPIRED, DELETE_EXPIRED_STEPS}) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setInt(1, limit);
                n = Math.max(n, ps.executeUpdate());
            }
        }
        return n;
    }
}
