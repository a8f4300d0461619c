package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestServices;
import java.net.URI;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the bound on every database call ({@link JdbcBounds}) makes of a database that stops
 * answering: a write cut off before its COMMIT wrote nothing; one cut off during its COMMIT may or
 * may not have been committed, and the 503's detail says so; a statement too slow on a live
 * database is cancelled by PostgreSQL and wrote nothing. Each within the bound, never a hang.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // without the bound, a call hangs for good
class DbPartitionTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();
    static final long STATEMENT_TIMEOUT_MS = 1000;
    /** The bound (statement timeout + 2 s, whole seconds), and a generous allowance: this catches hangs. */
    static final Duration HANG = Duration.ofSeconds(JdbcBounds.socketTimeoutSeconds(STATEMENT_TIMEOUT_MS) + 5);
    TcpProxy proxy;
    HikariDataSource pool;
    Db db;

    @BeforeEach
    void connectThroughAProxy() throws Exception {
        database.c.createStatement().execute("create table if not exists probe (n int)");
        database.c.createStatement().execute("truncate probe");
        URI direct = URI.create(database.url().substring("jdbc:".length()));
        proxy = new TcpProxy(direct.getHost(), direct.getPort());
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(JdbcBounds.url("jdbc:postgresql://127.0.0.1:" + proxy.port() + direct.getPath(),
                STATEMENT_TIMEOUT_MS));
        config.setConnectionInitSql(JdbcBounds.initSql(STATEMENT_TIMEOUT_MS));
        config.setUsername(TestServices.postgres().user());
        config.setPassword(TestServices.postgres().password());
        config.setMaximumPoolSize(2);
        config.setConnectionTimeout(3000);
        pool = new HikariDataSource(config);
        db = new Db(pool);
    }

    @AfterEach
    void close() throws Exception {
        pool.close();
        proxy.close();
    }

    @Test
    void aCommitThatGetsNoAnswerHasAnUnknownOutcome() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> db.tx(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("insert into probe values (1)");
            }
            proxy.blackhole(); // the COMMIT goes out and no answer comes back
            return null;
        })).isInstanceOfSatisfying(BatonException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("may or may not have been committed");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HANG);
    }

    @Test
    void aStatementThatGetsNoAnswerBeforeTheCommitWroteNothing() throws Exception {
        long start = System.nanoTime();
        assertThatThrownBy(() -> db.tx(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("insert into probe values (1)");
                proxy.blackhole();
                s.execute("insert into probe values (2)");
            }
            return null;
        })).isInstanceOfSatisfying(BatonException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("nothing was written");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HANG);
        proxy.restore();
        assertThat(count()).isZero();
    }

    @Test
    void aConnectionAskedForDuringThePartitionIsRefusedInTime() {
        proxy.blackhole();
        long start = System.nanoTime();
        assertThatThrownBy(() -> db.run(c -> c.createStatement().execute("insert into probe values (1)")))
                .isInstanceOfSatisfying(BatonException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HANG);
    }

    @Test
    void aStatementTooSlowOnALiveDatabaseIsCancelledThereAndWroteNothing() throws Exception {
        assertThatThrownBy(() -> db.tx(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("insert into probe values (1)");
                s.execute("select pg_sleep(30)");
            }
            return null;
        })).isInstanceOfSatisfying(BatonException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("nothing was written");
        });
        assertThat(count()).isZero();
    }

    private long count() throws Exception {
        try (var rs = database.c.createStatement().executeQuery("select count(*) from probe")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
