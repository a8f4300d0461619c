package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.testing.TestServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Db#enclosing}: the tx and run calls inside it are savepoints of one transaction, so a
 * route's writes and its stored Idempotency-Key answer commit together, while a refusal inside
 * still undoes only its own writes.
 */
class DbEnclosingTest {
    static String database;
    static HikariDataSource pool;
    static Db db;

    @BeforeAll
    static void start() {
        TestServices.Postgres pg = TestServices.postgres();
        database = TestServices.createDatabase(DbEnclosingTest.class);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(pg.urlFor(database));
        config.setUsername(pg.user());
        config.setPassword(pg.password());
        config.setMaximumPoolSize(2);
        pool = new HikariDataSource(config);
        db = new Db(pool);
        db.run(c -> exec(c, "create table t (v int not null)"));
    }

    @AfterAll
    static void stop() {
        pool.close();
        TestServices.dropDatabase(database);
    }

    @BeforeEach
    void empty() {
        db.run(c -> exec(c, "delete from t"));
    }

    @Test
    void whatRunsInsideCommitsOrRollsBackWithTheEnclosingTransaction() {
        assertThatThrownBy(() -> db.enclosing(c -> {
            db.tx(i -> exec(i, "insert into t values (1)"));
            db.run(i -> exec(i, "insert into t values (2)"));
            throw new IllegalStateException("the enclosing work fails after both committed on their own");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(values()).isEmpty();

        db.enclosing(c -> {
            db.tx(i -> exec(i, "insert into t values (1)"));
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).as("one connection for all").isEqualTo(1);
            return null;
        });
        assertThat(values()).containsExactly(1);
    }

    @Test
    void aRefusalOrAFailedStatementInsideUndoesOnlyItself() {
        db.enclosing(c -> {
            db.tx(i -> exec(i, "insert into t values (1)"));
            assertThatThrownBy(() -> db.tx(i -> {
                exec(i, "insert into t values (2)");
                throw BatonException.invalid("v", "refused after writing");
            })).isInstanceOf(BatonException.class);
            // A failed statement aborts a transaction; its savepoint gives the enclosing one back.
            assertThatThrownBy(() -> db.run(i -> exec(i, "insert into t values (null)")))
                    .isInstanceOf(IllegalStateException.class);
            db.run(i -> exec(i, "insert into t values (3)"));
            return null;
        });
        assertThat(values()).containsExactly(1, 3);
    }

    private static int exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
        }
    }

    private static List<Integer> values() {
        return db.run(c -> {
            List<Integer> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select v from t order by v")) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
            return out;
        });
    }
}
