package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.error.BatonException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Db#afterCommit}: what the metrics count runs once its writes committed, and never for
 * writes that rolled back, whether in a transaction, a savepoint of an enclosing one, or the
 * enclosing transaction itself; and a failing action never fails what committed.
 */
class DbAfterCommitTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();
    static Db db;
    final List<String> ran = new ArrayList<>();

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
    void outsideATransactionItRunsAtOnceInsideOneAtItsCommit() {
        db.run(c -> {
            exec(c, "insert into t values (1)");
            db.afterCommit(() -> ran.add("run"));
            assertThat(ran).as("autocommit: the statement is committed already").containsExactly("run");
            return null;
        });
        db.tx(c -> {
            exec(c, "insert into t values (2)");
            db.afterCommit(() -> ran.add("tx"));
            assertThat(ran).as("not before the commit").containsExactly("run");
            return null;
        });
        assertThat(ran).containsExactly("run", "tx");
    }

    @Test
    void aRolledBackTransactionRunsNothing() {
        assertThatThrownBy(() -> db.tx(c -> {
            exec(c, "insert into t values (1)");
            db.afterCommit(() -> ran.add("rolled back"));
            throw BatonException.invalid("v", "refused after writing");
        })).isInstanceOf(BatonException.class);
        assertThat(ran).isEmpty();
    }

    @Test
    void insideAnEnclosingTransactionOnlyWhatCommitsWithItRuns() {
        db.enclosing(c -> {
            db.tx(i -> {
                db.afterCommit(() -> ran.add("kept"));
                return exec(i, "insert into t values (1)");
            });
            assertThatThrownBy(() -> db.tx(i -> {
                db.afterCommit(() -> ran.add("its savepoint rolled back"));
                throw BatonException.invalid("v", "refused");
            })).isInstanceOf(BatonException.class);
            db.run(i -> {
                db.afterCommit(() -> ran.add("run inside"));
                return exec(i, "insert into t values (2)");
            });
            assertThat(ran).as("nothing before the enclosing commit").isEmpty();
            return null;
        });
        assertThat(ran).containsExactly("kept", "run inside");

        ran.clear();
        assertThatThrownBy(() -> db.enclosing(c -> {
            db.tx(i -> {
                db.afterCommit(() -> ran.add("undone with the enclosing"));
                return exec(i, "insert into t values (3)");
            });
            throw new IllegalStateException("the enclosing work fails after its savepoint was released");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(ran).isEmpty();
    }

    @Test
    void aFailingActionNeitherStopsTheOthersNorFailsTheCommit() {
        Integer n = db.tx(c -> {
            db.afterCommit(() -> {
                throw new IllegalStateException("a broken meter");
            });
            db.afterCommit(() -> ran.add("second"));
            return exec(c, "insert into t values (1)");
        });
        assertThat(n).isEqualTo(1);
        assertThat(ran).containsExactly("second");
    }
}
