package dev.baton.coordinator.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** The database's clock, the one every guard reads, for code that must stamp times by it. */
public final class DatabaseClock {

    private static final String NOW = "select now()";

    private DatabaseClock() {
    }

    /** now(): in autocommit, this statement's time; inside a transaction, when it began. */
    public static Instant now(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(NOW); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return JobRows.instant(rs, "now");
        }
    }
}
