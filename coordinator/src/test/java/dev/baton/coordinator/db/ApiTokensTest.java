package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stored tokens found by hash as written; expiry by the database clock; the generation lock keeps a second starter waiting. */
class ApiTokensTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    static final ApiTokens tokens = new ApiTokens();

    @Test
    void aStoredTokenIsFoundByItsHashWithItsNameRoleAndScopes() throws SQLException {
        ApiTokens.Stored stored = tokens.insertIfExpiryAhead(db.c, new byte[] {1, 2, 3}, "ci", "worker",
                List.of("a", "b"), null, "env:admin#1");
        assertThat(stored.name()).isEqualTo("ci");
        assertThat(stored.queues()).containsExactly("a", "b");
        assertThat(stored.createdBy()).isEqualTo("env:admin#1");
        ApiTokens.Found found = tokens.findByHash(db.c, new byte[] {1, 2, 3});
        assertThat(found).isEqualTo(new ApiTokens.Found("ci", "worker", List.of("a", "b"), false, "env:admin#1"));
        assertThat(tokens.findByHash(db.c, new byte[] {9})).isNull();
        assertThat(tokens.all(db.c)).extracting(ApiTokens.Stored::name).contains("ci");
        assertThat(tokens.deleteByName(db.c, "ci").name()).isEqualTo("ci");
        assertThat(tokens.deleteByName(db.c, "ci")).isNull();
        assertThat(tokens.findByHash(db.c, new byte[] {1, 2, 3})).isNull();
    }

    @Test
    void anExpiryNotAheadOfTheDatabaseClockStoresNothingAndOnePastItIsExpired() throws SQLException {
        Instant past = DatabaseClock.now(db.c).minusSeconds(1);
        assertThat(tokens.insertIfExpiryAhead(db.c, new byte[] {4}, "late", "viewer", null, past, "x")).isNull();
        assertThat(tokens.findByHash(db.c, new byte[] {4})).isNull();
        tokens.insertIfExpiryAhead(db.c, new byte[] {5}, "soon", "viewer", null, past.plusSeconds(3600), "x");
        exec(db.c, "update api_tokens set expires_at = now() - interval '1 second' where name = 'soon'");
        assertThat(tokens.findByHash(db.c, new byte[] {5}).expired()).isTrue();
    }

    @Test
    void aNameIsTakenOnce() throws SQLException {
        tokens.insertIfExpiryAhead(db.c, new byte[] {6}, "twice", "admin", null, null, "x");
        assertThatThrownBy(() -> tokens.insertIfExpiryAhead(db.c, new byte[] {7}, "twice", "admin", null, null, "x"))
                .isInstanceOf(SQLException.class).matches(e -> Db.isUniqueViolation((SQLException) e));
        assertThat(tokens.insertUnlessNamed(db.c, new byte[] {8}, "twice", "admin")).isFalse();
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
