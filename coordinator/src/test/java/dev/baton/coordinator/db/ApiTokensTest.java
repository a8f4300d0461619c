package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stored token hashes read back as written; the generation lock keeps a second starter waiting. */
class ApiTokensTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final ApiTokens tokens = new ApiTokens();

    @Test
    void insertedHashesAreReadBackWithTheirRoles() throws SQLException {
        assertThat(tokens.all(db.c)).isEmpty();
        tokens.insert(db.c, new byte[] {1, 2, 3}, "admin");
        List<ApiTokens.Stored> all = tokens.all(db.c);
        assertThat(all).hasSize(1);
        assertThat(all.get(0).hash()).containsExactly(1, 2, 3);
        assertThat(all.get(0).role()).isEqualTo("admin");
    }

    @Test
    void theGenerationLockIsHeldUntilTheTransactionEnds() throws SQLException {
        try (Connection other = db.connect()) {
            other.setAutoCommit(false);
            tokens.lockForGeneration(other);
            db.inOneTransactionRolledBack(() -> {
                exec(db.c, "set local lock_timeout = '50ms'");
                assertThatThrownBy(() -> tokens.lockForGeneration(db.c)).isInstanceOf(SQLException.class)
                        .hasMessageContaining("lock timeout");
            });
            other.commit();
            db.inOneTransactionRolledBack(() -> tokens.lockForGeneration(db.c));
        }
    }
}
