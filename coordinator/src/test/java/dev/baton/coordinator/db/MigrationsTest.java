package dev.baton.coordinator.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.TestCluster;
import dev.baton.coordinator.testing.TestServices;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Schema migrations are not requests: they run before the coordinator serves anything, on a
 * connection without the request bounds. A migration that waits or works longer than
 * BATON_DB_STATEMENT_TIMEOUT_MS (an index over a big table, a lock held by an old coordinator
 * still draining) must finish, not cancel the start. Here the last migration waits 3 s for a
 * lock under a 1 s statement timeout; on the request pool it was cancelled and the coordinator
 * did not start.
 */
class MigrationsTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(MigrationsTest.class, 0);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aMigrationLongerThanTheRequestBoundCompletesAndTheCoordinatorStarts() throws Exception {
        TestServices.Postgres pg = TestServices.postgres();
        Flyway.configure().dataSource(cluster.jdbcUrl(), pg.user(), pg.password()).locations(Migrations.LOCATION)
                .target("10").load().migrate();
        try (Connection blocker = cluster.sql()) {
            // holds the row of the function V11 replaces, as an uncommitted change of it would
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("alter function baton_append_logs(bigint, text, int[], text[], text[]) cost 101");
            CompletableFuture<Void> started = CompletableFuture.runAsync(
                    () -> cluster.addCoordinator(Map.of("BATON_DB_STATEMENT_TIMEOUT_MS", "1000")));
            long waitingSince = System.nanoTime();
            while (cluster.queryLong("select count(*) from pg_stat_activity where datname = current_database() "
                    + "and wait_event_type = 'Lock'") == 0) {
                assertThat(System.nanoTime() - waitingSince).as("the migration reaches the lock").isLessThan(60_000_000_000L);
                Thread.sleep(50);
            }
            Thread.sleep(3000);
            assertThat(started).as("still waiting: not cancelled at the 1 s request bound").isNotDone();
            blocker.rollback();
            started.get(60, TimeUnit.SECONDS);
        }
        assertThat(cluster.queryLong("select count(*) from flyway_schema_history where version = '11' and success"))
                .isEqualTo(1);
        assertThat(cluster.coordinator(0).port()).isPositive();
    }
}
