package dev.baton.coordinator.db;

import dev.baton.common.Responses.AuditEntry;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The audit trail: one row per admin change, written by the change's own transaction (so a change
 * that is refused or rolled back leaves none), stamped by the database clock. Read newest first,
 * paged by id.
 */
@Singleton
public final class AuditTrail {

    /** GET /audit: each filter null for any; {@code beforeId} null for the first page. */
    public record Filter(String actor, String action, String target, Long beforeId, int limit, boolean withTokens) {
    }

    private static final String INSERT = """
            insert into audit (actor, action, target, details) values (?, ?, ?, coalesce(?::jsonb, '{}'))""";

    // Newest first, one row past the page to tell whether another follows. A null filter matches all.
    private static final String PAGE_BEFORE = """
            select * from audit
            where (?::text is null or actor = ?) and (?::text is null or action = ?) and (?::text is null or target = ?)
              and (?::bigint is null or id < ?) and (? or action not like 'token.%')
            order by id desc limit ?""";

    /** Records an admin change in the caller's transaction. */
    public void record(Connection c, String actor, String action, String target, String detailsJson)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, actor);
            ps.setString(2, action);
            ps.setString(3, target);
            ps.setString(4, detailsJson);
            ps.executeUpdate();
        }
    }

    /** Up to {@code limit + 1} entries, newest first. */
    public List<AuditEntry> page(Connection c, Filter f) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PAGE_BEFORE)) {
            ps.setString(1, f.actor());
            ps.setString(2, f.actor());
            ps.setString(3, f.action());
            ps.setString(4, f.action());
            ps.setString(5, f.target());
            ps.setString(6, f.target());
            JobRows.setLong(ps, 7, f.beforeId());
            JobRows.setLong(ps, 8, f.beforeId());
            ps.setBoolean(9, f.withTokens());
            ps.setInt(10, f.limit() + 1);
            return JobRows.list(ps, rs -> new AuditEntry(Long.toString(rs.getLong("id")), JobRows.instant(rs, "at"),
                    rs.getString("actor"), rs.getString("action"), rs.getString("target"),
                    JobRows.tree(rs.getString("details"))));
        }
    }
}
