package dev.baton.coordinator.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** The hashes of generated API tokens, with their roles (only the hashes are stored). */
@Singleton
public final class ApiTokens {

    /** A stored token: its SHA-256 hash and the wire name of its role. */
    public record Stored(byte[] hash, String role) {
    }

    // Any fixed key: the one advisory lock under which coordinators starting together generate tokens.
    private static final String LOCK_FOR_GENERATION = "select pg_advisory_xact_lock(7355608001)";

    private static final String ALL = "select token_hash, role from api_tokens";

    private static final String INSERT = "insert into api_tokens (token_hash, role) values (?, ?)";

    /** Waits for, then holds until the transaction ends, the lock under which tokens are generated. */
    public void lockForGeneration(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK_FOR_GENERATION)) {
            ps.execute();
        }
    }

    public List<Stored> all(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ALL)) {
            return JobRows.list(ps, rs -> new Stored(rs.getBytes(1), rs.getString(2)));
        }
    }

    public void insert(Connection c, byte[] hash, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setBytes(1, hash);
            ps.setString(2, role);
            ps.executeUpdate();
        }
    }
}
