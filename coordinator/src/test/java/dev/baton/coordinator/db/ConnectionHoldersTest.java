package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.testing.TestServices;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * When every pooled connection is held and a request gets 503 for want of one, the log says who
 * holds them (chaos finding 17: a pool exhausted after a fault healed, its holders unknown).
 */
class ConnectionHoldersTest {
    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ConnectionHolders.class);

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    @Test
    void aRequestFindingThePoolExhaustedLogsWhoHoldsItsConnectionsOnce() throws Exception {
        TestServices.Postgres pg = TestServices.postgres();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.url());
        config.setUsername(pg.user());
        config.setPassword(pg.password());
        config.setMaximumPoolSize(2);
        config.setConnectionTimeout(250);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            Db db = new Db(pool);
            CountDownLatch holding = new CountDownLatch(2);
            CountDownLatch done = new CountDownLatch(1);
            List<Thread> holders = new ArrayList<>();
            for (String name : List.of("bulk-mover-12", "sweeper-3")) {
                holders.add(Thread.ofPlatform().name(name).start(() -> db.tx(c -> {
                    holding.countDown();
                    try {
                        done.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                })));
            }
            assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
            try {
                for (int i = 0; i < 2; i++) {
                    assertThatThrownBy(() -> db.run(c -> c.isValid(1)))
                            .isInstanceOfSatisfying(BatonException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
                }
            } finally {
                done.countDown();
                for (Thread t : holders) {
                    t.join();
                }
            }
            assertThat(logged.list).as("told once for two refusals in a row").hasSize(1);
            assertThat(logged.list.getFirst().getFormattedMessage())
                    .contains("2 held through Baton's Db")
                    .contains("1 by bulk-mover (oldest ").contains("1 by sweeper (oldest ")
                    .contains("total=2, active=2");
            assertThat((boolean) db.run(c -> c.isValid(1))).as("given back: the pool serves again").isTrue();
        }
    }
}
