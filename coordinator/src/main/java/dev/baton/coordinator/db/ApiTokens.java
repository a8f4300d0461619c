package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * API tokens (created by POST /api/v1/tokens, or generated at first start): name, role, queue
 * scopes, expiry, creator, and the SHA-256 hash of the secret, which is all that is kept of it.
 * A request's token is looked up by its hash, the primary key, on every request: nothing is
 * cached, so a revoke holds on every coordinator at once.
 */
@Singleton
public final class ApiTokens {
    public static final String FIRST_START = "first-start";

    /** A stored token, without its hash. {@code queues} null: every queue; {@code expiresAt} null: never. */
    public record Stored(String name, String role, List<String> queues, Instant createdAt, Instant expiresAt,
                         String createdBy, Instant lastUsedAt) {
    }

    /** What a hash names: the token, and whether it has expired by the database's clock. */
    public record Found(String name, String role, List<String> queues, boolean expired, String createdBy) {
    }

    // Any fixed key: the one advisory lock under which coordinators starting together generate tokens.
    private static final String LOCK_FOR_GENERATION = "select pg_advisory_xact_lock(7355608001)";

    private static final String FIND_BY_HASH = """
            select name, role, queues, coalesce(expires_at <= now(), false) as expired, created_by
            from api_tokens where token_hash = ?""";

    private static final String ANY_LIVE_ADMIN = """
            select exists (select 1 from api_tokens where role = 'admin' and (expires_at is null or expires_at > now()))""";

    // The expiry is judged by the database's clock, the one FIND_BY_HASH compares with.
    private static final String INSERT_IF_EXPIRY_AHEAD = """
            insert into api_tokens (token_hash, name, role, queues, expires_at, created_by)
            select ?, ?, ?, ?, ?::timestamptz, ?
            where ?::timestamptz is null or ?::timestamptz > now()
            returning name, role, queues, created_at, expires_at, created_by, last_used_at""";

    // At most one write a minute per token (and coordinator: the caller keeps it from asking more).
    private static final String TOUCH_IF_UNUSED_FOR_A_MINUTE = """
            update api_tokens set last_used_at = now()
            where token_hash = ? and (last_used_at is null or last_used_at < now() - interval '1 minute')""";

    private static final String INSERT_UNLESS_NAMED = """
            insert into api_tokens (token_hash, name, role, created_by) values (?, ?, ?, ?)
            on conflict (name) do nothing""";

    private static final String ALL = """
            select name, role, queues, created_at, expires_at, created_by, last_used_at from api_tokens order by name""";

    private static final String DELETE_BY_NAME = """
            delete from api_tokens where name = ?
            returning name, role, queues, created_at, expires_at, created_by, last_used_at""";

    /** Waits for, then holds until the transaction ends, the lock under which tokens are generated. */
    public void lockForGeneration(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK_FOR_GENERATION)) {
            ps.execute();
        }
    }

    /** The token whose secret hashes to {@code hash}, or null: one primary-key probe. */
    public Found findByHash(Connection c, byte[] hash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FIND_BY_HASH)) {
            ps.setBytes(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? new Found(rs.getString("name"), rs.getString("role"), queues(rs), rs.getBoolean("expired"),
                                rs.getString("created_by"))
                        : null;
            }
        }
    }

    /** Sets the token's last use to now, unless it was set less than a minute ago. */
    public void touchIfUnusedForAMinute(Connection c, byte[] hash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(TOUCH_IF_UNUSED_FOR_A_MINUTE)) {
            ps.setBytes(1, hash);
            ps.executeUpdate();
        }
    }

    public boolean anyLiveAdmin(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ANY_LIVE_ADMIN); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * Stores a new token; null when {@code expiresAt} is not after the database's now. A name
     * already taken is a unique violation ({@link Db#isUniqueViolation}).
     */
    public Stored insertIfExpiryAhead(Connection c, byte[] hash, String name, String role, List<String> queues,
                                      Instant expiresAt, String createdBy) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_IF_EXPIRY_AHEAD)) {
            ps.setBytes(1, hash);
            ps.setString(2, name);
            ps.setString(3, role);
            ps.setArray(4, queues == null ? null : c.createArrayOf("text", queues.toArray()));
            JobRows.setInstant(ps, 5, expiresAt);
            ps.setString(6, createdBy);
            JobRows.setInstant(ps, 7, expiresAt);
            JobRows.setInstant(ps, 8, expiresAt);
            List<Stored> rows = JobRows.list(ps, ApiTokens::stored);
            return rows.isEmpty() ? null : rows.get(0);
        }
    }

    /** Stores a token generated at first start, unless its name is taken; whether it was stored. */
    public boolean insertUnlessNamed(Connection c, byte[] hash, String name, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_UNLESS_NAMED)) {
            ps.setBytes(1, hash);
            ps.setString(2, name);
            ps.setString(3, role);
            ps.setString(4, FIRST_START);
            return ps.executeUpdate() == 1;
        }
    }

    public List<Stored> all(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ALL)) {
            return JobRows.list(ps, ApiTokens::stored);
        }
    }

    /** The token deleted, or null when none has this name. */
    public Stored deleteByName(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_BY_NAME)) {
            ps.setString(1, name);
            List<Stored> rows = JobRows.list(ps, ApiTokens::stored);
            return rows.isEmpty() ? null : rows.get(0);
        }
    }

    private static Stored stored(ResultSet rs) throws SQLException {
        return new Stored(rs.getString("name"), rs.getString("role"), queues(rs), JobRows.instant(rs, "created_at"),
                JobRows.instant(rs, "expires_at"), rs.getString("created_by"), JobRows.instant(rs, "last_used_at"));
    }

    private static List<String> queues(ResultSet rs) throws SQLException {
        Array a = rs.getArray("queues");
        return a == null ? null : Arrays.asList((String[]) a.getArray());
    }
}
