package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /health/live} and {@code /health/ready}: ready with the database, not ready (503, saying
 * which check failed) while the database is cut and again once it is back, and not ready from the
 * first step of a stop, while the process still answers liveness and the API.
 */
class HealthProbesTest {
    static TestCluster cluster;
    static TcpProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(HealthProbesTest.class, 0);
        proxy = TcpProxy.before(cluster.jdbcUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        cluster.close();
    }

    @Test
    void readyOnlyWhileTheDatabaseAnswersLiveThroughout() throws Exception {
        Coordinator c = cluster.addCoordinator(Map.of("BATON_DB_URL", proxy.via(cluster.jdbcUrl())));
        Api api = new Api(c.port());
        Api.Resp ready = api.get("/health/ready", null);
        assertThat(ready.status()).as(ready.toString()).isEqualTo(200);
        assertThat(ready.body().path("status").asText()).isEqualTo("ready");
        assertThat(ready.body().path("database").asText()).isEqualTo("up");
        assertThat(ready.body().path("migrations").asText()).isEqualTo("applied");
        assertThat(ready.body().path("lifecycle").asText()).isEqualTo("running");

        proxy.cut();
        try {
            Api.Resp down = api.get("/health/ready", null);
            assertThat(down.status()).as(down.toString()).isEqualTo(503);
            assertThat(down.body().path("status").asText()).isEqualTo("not_ready");
            assertThat(down.body().path("database").asText()).isEqualTo("down");
            Api.Resp live = api.get("/health/live", null);
            assertThat(live.status()).isEqualTo(200);
            assertThat(live.body().path("status").asText()).isEqualTo("up");
        } finally {
            proxy.restore();
        }
        assertThat(Jobs.eventually(15_000, () -> api.get("/health/ready", null).status() == 200)).isTrue();
    }

    @Test
    void notReadyFromTheStartOfAStopWhileStillServing() throws Exception {
        Coordinator c = cluster.addCoordinator(Map.of("BATON_SHUTDOWN_UNREADY_MS", "4000",
                "BATON_SHUTDOWN_TIMEOUT_MS", "15000"));
        Api api = new Api(c.port());
        assertThat(api.get("/health/ready", null).status()).isEqualTo(200);
        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(c::stop);
        assertThat(Jobs.eventually(3_000, () -> api.get("/health/ready", null).status() == 503))
                .as("not ready once the stop began").isTrue();
        Api.Resp ready = api.get("/health/ready", null);
        assertThat(ready.body().path("lifecycle").asText()).isEqualTo("stopping");
        assertThat(api.get("/health/live", null).status()).isEqualTo(200);
        // still serving while a load balancer takes it out of rotation
        Jobs.enqueue(api, "probes", Map.of());
        assertThat(stopped.get()).as("stopped cleanly").isTrue();
    }
}
