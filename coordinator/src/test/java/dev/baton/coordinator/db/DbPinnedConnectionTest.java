package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.queryLong;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request of many short transactions (a bulk) takes one connection from the pool and runs them
 * one after another on it, each committed (or rolled back) on its own. Soak 10, seed 4: a keyed
 * bulk that took a connection per operation waited for the exhausted pool at every one, past 10 s.
 */
class DbPinnedConnectionTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    @Test
    void transactionsOnOnePinnedConnectionEachCommitOnTheirOwn() throws SQLException {
        AtomicInteger taken = new AtomicInteger();
        DataSource pool = database.pool();
        DataSource counting = (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        taken.incrementAndGet();
                    }
                    try {
                        return method.invoke(pool, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Db db = new Db(counting);
        try (Connection other = database.connect()) {
            exec(other, "create table pinned (n int)");
            db.onOneConnection(() -> {
                db.tx(c -> exec(c, "insert into pinned values (1)"));
                try {
                    assertThat(queryLong(other, "select count(*) from pinned where n = 1"))
                            .as("committed before the next transaction begins").isEqualTo(1);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
                assertThatThrownBy(() -> db.tx(c -> {
                    exec(c, "insert into pinned values (2)");
                    throw new IllegalStateException("refused");
                })).hasMessage("refused");
                db.run(c -> exec(c, "insert into pinned values (3)"));
                return db.onOneConnection(() -> db.tx(c -> exec(c, "insert into pinned values (4)")));
            });
            assertThat(taken).as("one connection for all of them, nested pin included").hasValue(1);
            assertThat(queryLong(other, "select coalesce(sum(n), 0) from pinned")).as("1, 3 and 4; 2 rolled back")
                    .isEqualTo(8);
            db.tx(c -> exec(c, "insert into pinned values (5)"));
            assertThat(taken).as("after the pin, from the pool again").hasValue(2);
        }
    }
}
