package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.error.BatonException;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Db#enclosing}: the tx and run calls inside it are savepoints of one transaction, so a
 * route's writes and its stored Idempotency-Key answer commit together, while a refusal inside
 * still undoes only its own writes.
 */
class DbEnclosingTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();
    static Db db;

    @BeforeAll
    static void start() throws SQLException {
        db = new Db(database.pool());
        exec(database.c, "create table t (v int not null)");
    }

    @BeforeEach
    void empty() {
        db.run(c -> exec(c, "delete from t"));
    }

    @Test
    void whatRunsInsideCommitsOrRollsBackWithTheEnclosingTransaction() throws SQLException {
        assertThatThrownBy(() -> db.enclosing(c -> {
            db.tx(i -> exec(i, "insert into t values (1)"));
            db.run(i -> exec(i, "insert into t values (2)"));
            throw new IllegalStateException("the enclosing work fails after both committed on their own");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(values()).isEmpty();

        db.enclosing(c -> {
            db.tx(i -> exec(i, "insert into t values (1)"));
            assertThat(database.pool().getHikariPoolMXBean().getActiveConnections()).as("one connection for all")
                    .isEqualTo(1);
            return null;
        });
        assertThat(values()).containsExactly(1);
    }

    @Test
    void aRefusalOrAFailedStatementInsideUndoesOnlyItself() throws SQLException {
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

    private static List<Integer> values() throws SQLException {
        return rows(database.c, "select v from t order by v").stream().map(r -> Integer.valueOf(r.get("v"))).toList();
    }
}
