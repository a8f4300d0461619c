package dev.baton.coordinator.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.service.Wakeups;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.coordinator.testing.TestServices;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /workers shows lastSeenAt in database time. The database's clock is moved a day back (a
 * {@code now()} in public shadows pg_catalog's for this test's database), so a coordinator that
 * stamped its own clock would show a time a day off.
 */
class WorkerRegistryTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() throws SQLException {
        // The first coordinator migrates the database (Flyway wants public empty before that);
        // the second, started after the shift, is the one under test.
        cluster = TestCluster.start(WorkerRegistryTest.class, 1);
        try (Connection c = cluster.sql(); Statement s = c.createStatement()) {
            s.execute("create function public.now() returns timestamptz language sql stable"
                    + " as 'select pg_catalog.now() - interval ''1 day'''");
            s.execute("alter database " + c.getCatalog() + " set search_path = public, pg_catalog");
        }
        cluster.addCoordinator();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void lastSeenAtIsDatabaseTime() throws Exception {
        Instant before = databaseNow();
        assertThat(before).as("the shift is in place").isBefore(Instant.now().minusSeconds(3600));
        Api.Resp claim = cluster.api(1).post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "clock-w", "queues", List.of("clock-q")));
        assertThat(claim.status()).isEqualTo(200);
        AtomicReference<JsonNode> seen = new AtomicReference<>();
        assertThat(Jobs.eventually(5000, () -> {
            for (JsonNode w : cluster.api(1).get("/api/v1/workers", Api.ADMIN).body()) {
                if (w.path("workerId").asText().equals("clock-w")) {
                    seen.set(w);
                }
            }
            return seen.get() != null;
        })).isTrue();
        Instant after = databaseNow();
        assertThat(seen.get().path("queues").get(0).asText()).isEqualTo("clock-q");
        assertThat(Instant.parse(seen.get().path("lastSeenAt").asText())).isBetween(before, after);
    }

    /**
     * A worker whose long poll arrived while Redis was away is listed once Redis is back, while it
     * still waits: every look of the poll refreshes its entry, not only the first.
     */
    @Test
    void aWorkerWaitingSinceBeforeRedisCameBackIsListed() throws Exception {
        URI redis = URI.create(TestServices.redisUrl());
        try (TcpProxy proxy = new TcpProxy(redis.getHost(), redis.getPort())) {
            proxy.cut();
            var coordinator = cluster.addCoordinator(Map.of(
                    "BATON_REDIS_URL", "redis://127.0.0.1:" + proxy.port() + redis.getPath()));
            Api api = new Api(coordinator.port());
            CompletableFuture<Api.Resp> claim = CompletableFuture.supplyAsync(() -> api.post("/api/v1/claims",
                    Api.WORKER, Map.of("workerId", "late-redis-w", "queues", List.of("late-redis-q"), "waitMs", 30_000)));
            assertThat(Jobs.eventually(10_000, () -> coordinator.context().getBean(Wakeups.class).waiting() > 0))
                    .as("the claim waits").isTrue();
            proxy.restore();
            assertThat(Jobs.eventually(25_000, () -> api.get("/api/v1/workers", Api.ADMIN).raw().contains("late-redis-w")))
                    .as("listed while its claim still waits").isTrue();
            assertThat(claim).isNotDone();
        }
    }

    private static Instant databaseNow() throws SQLException {
        try (Connection c = cluster.sql(); PreparedStatement ps = c.prepareStatement("select now()");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }
}
