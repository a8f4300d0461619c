package dev.baton.coordinator.dashboard;

import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The dashboard_sessions table: a session is found by the hash of its id, and only while it is
 * within both limits by the database's clock, the one every coordinator shares.
 */
@Singleton
@Requires(condition = DashboardOn.class)
public final class SessionStore {

    /** What a live session holds: the hash of the token it was opened with, and its CSRF token. */
    public record Stored(byte[] tokenHash, String csrfToken) {
    }

    private static final String INSERT = """
            insert into dashboard_sessions (id_hash, token_hash, csrf_token, expires_at)
            values (?, ?, ?, now() + make_interval(secs => ?))""";

    // Found and touched in one statement: a session past either limit is not found.
    private static final String TOUCH_IF_LIVE = """
            update dashboard_sessions set last_seen_at = now()
            where id_hash = ? and expires_at > now() and last_seen_at > now() - make_interval(secs => ?)
            returning token_hash, csrf_token""";

    // The same guard, without counting as use: what the page does by itself (a live refresh, the
    // log tail's recheck) must not keep an unattended session open.
    private static final String FIND_IF_LIVE = """
            select token_hash, csrf_token from dashboard_sessions
            where id_hash = ? and expires_at > now() and last_seen_at > now() - make_interval(secs => ?)""";

    private static final String DELETE = "delete from dashboard_sessions where id_hash = ?";

    private static final String DELETE_ENDED = """
            delete from dashboard_sessions
            where expires_at <= now() or last_seen_at <= now() - make_interval(secs => ?)""";

    public void insert(Connection c, byte[] idHash, byte[] tokenHash, String csrfToken, Duration length)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setBytes(1, idHash);
            ps.setBytes(2, tokenHash);
            ps.setString(3, csrfToken);
            ps.setLong(4, length.toSeconds());
            ps.executeUpdate();
        }
    }

    /** The session, touched, when it exists, has not expired and was used within {@code idle}; else null. */
    public Stored touchIfLive(Connection c, byte[] idHash, Duration idle) throws SQLException {
        return stored(c, TOUCH_IF_LIVE, idHash, idle);
    }

    /** As {@link #touchIfLive}, leaving the session's last use as it was. */
    public Stored findIfLive(Connection c, byte[] idHash, Duration idle) throws SQLException {
        return stored(c, FIND_IF_LIVE, idHash, idle);
    }

    private static Stored stored(Connection c, String sql, byte[] idHash, Duration idle) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setBytes(1, idHash);
            ps.setLong(2, idle.toSeconds());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Stored(rs.getBytes(1), rs.getString(2)) : null;
            }
        }
    }

    public void delete(Connection c, byte[] idHash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE)) {
            ps.setBytes(1, idHash);
            ps.executeUpdate();
        }
    }

    /** Removes the sessions past either limit; run at each login, so the table holds live sessions and few others. */
    public int deleteEnded(Connection c, Duration idle) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DELETE_ENDED)) {
            ps.setLong(1, idle.toSeconds());
            return ps.executeUpdate();
        }
    }
}
