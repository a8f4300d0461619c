package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A transaction PostgreSQL rolled back whole (deadlock 40P01, serialization failure 40001) wrote
 * nothing and may be sent again: 503 unavailable, as docs/protocol.md promises; a data
 * exception is the input's 400; anything else stays a bug.
 */
class DbTranslateTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @Test
    void rolledBackTransactionsAreUnavailableAndDataExceptionsInvalid() {
        for (String state : new String[] {"40P01", "40001", "08006", "57P01", "53300",
                "55P03", "57014", "25P03", "53100", "53200"}) {
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
        try (Connection admin = database.connect()) {
            Db db = new Db(database.pool());
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
        }
    }

    /**
     * An operator's lock_timeout or statement_timeout on Baton's role stops a statement halfway:
     * the transaction is rolled back whole, so the answer is 503 (nothing written), not a 500.
     */
    @Test
    void aStatementTheServerGaveUpOnIsUnavailable() throws SQLException {
        try (Connection holder = database.connect()) {
            Db db = new Db(database.pool());
            db.run(c -> c.createStatement().execute("create table t (id int primary key, n int); insert into t values (1, 0)"));
            holder.setAutoCommit(false);
            holder.createStatement().execute("select * from t where id = 1 for update");
            assertThatThrownBy(() -> db.tx(c -> {
                c.createStatement().execute("set local lock_timeout = '50ms'");
                c.createStatement().execute("update t set n = n + 1 where id = 1");
                return null;
            })).as("lock_timeout").isInstanceOfSatisfying(BatonException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
            holder.rollback();
            assertThatThrownBy(() -> db.tx(c -> {
                c.createStatement().execute("update t set n = n + 1 where id = 1");
                c.createStatement().execute("set local statement_timeout = '50ms'");
                c.createStatement().execute("select pg_sleep(5)");
                return null;
            })).as("statement_timeout").isInstanceOfSatisfying(BatonException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
            int n = db.run(c -> {
                try (ResultSet rs = c.createStatement().executeQuery("select n from t where id = 1")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertThat(n).as("nothing was written").isZero();
        }
    }
}
