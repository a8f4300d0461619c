package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.testing.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * A transaction PostgreSQL rolled back whole (deadlock 40P01, serialization failure 40001) wrote
 * nothing and may be sent again: 503 unavailable, as docs/protocol.md promises; a data
 * exception is the input's 400; anything else stays a bug.
 */
class DbTranslateTest {
    @Test
    void rolledBackTransactionsAreUnavailableAndDataExceptionsInvalid() {
        for (String state : new String[] {"40P01", "40001", "08006", "57P01", "53300"}) {
            RuntimeException e = Db.translate(new SQLException("x", state));
            assertThat(e).as(state).isInstanceOf(BatonException.class);
            assertThat(((BatonException) e).code()).as(state).isEqualTo(ErrorCode.UNAVAILABLE);
        }
        RuntimeException data = Db.translate(new SQLException("x", "22P02"));
        assertThat(((BatonException) data).code().status()).isEqualTo(400);
        assertThat(Db.translate(new SQLException("x", "42P01"))).isInstanceOf(IllegalStateException.class);
    }

    /**
     * The backend is killed between two statements of a transaction. The pool then closes the
     * connection, so restoring autocommit afterwards fails too; that second failure must not
     * hide the first, which is what makes the answer 503 instead of 500.
     */
    @Test
    void aConnectionLostMidTransactionIsUnavailable() throws SQLException {
        TestServices.Postgres pg = TestServices.postgres();
        String database = TestServices.createDatabase(DbTranslateTest.class);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(pg.urlFor(database));
        config.setUsername(pg.user());
        config.setPassword(pg.password());
        config.setMaximumPoolSize(2);
        try (HikariDataSource pool = new HikariDataSource(config);
             Connection admin = DriverManager.getConnection(pg.urlFor(database), pg.user(), pg.password())) {
            Db db = new Db(pool);
            assertThatThrownBy(() -> db.tx(c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
                    rs.next();
                    try (Statement kill = admin.createStatement()) {
                        kill.execute("select pg_terminate_backend(" + rs.getInt(1) + ")");
                    }
                    s.execute("select 1");
                }
                return null;
            })).isInstanceOfSatisfying(BatonException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
            assertThat((boolean) db.tx(c -> c.isValid(1))).as("the pool replaced the dead connection").isTrue();
        } finally {
            TestServices.dropDatabase(database);
        }
    }
}
