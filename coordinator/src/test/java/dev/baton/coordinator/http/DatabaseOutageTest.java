package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The database goes away behind a coordinator: 503 with Retry-After, nothing written, then recovery. */
class DatabaseOutageTest {
    static TestCluster cluster;
    static TcpProxy proxy;
    static Api api;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(DatabaseOutageTest.class, 0);
        proxy = TcpProxy.before(cluster.jdbcUrl());
        String viaProxy = proxy.via(cluster.jdbcUrl());
        Coordinator c = cluster.addCoordinator(Map.of("BATON_DB_URL", viaProxy));
        api = new Api(c.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        cluster.close();
    }

    @Test
    void unreachableDatabaseIs503AndTheCoordinatorRecovers() throws Exception {
        assertThat(api.get("/health", null).status()).isEqualTo(200);
        String id = Jobs.enqueue(api, "outage", Map.of()).path("id").asText();
        long jobsBefore = cluster.queryLong("select count(*) from jobs");

        proxy.cut();
        Api.Resp enqueue = api.post("/api/v1/jobs", Api.PRODUCER, Map.of("type", "x", "queue", "outage"));
        assertThat(enqueue.status()).as(enqueue.toString()).isEqualTo(503);
        assertThat(enqueue.code()).isEqualTo("unavailable");
        assertThat(enqueue.contentType()).startsWith("application/problem+json");
        assertThat(enqueue.headers().firstValue("Retry-After")).isPresent();
        assertThat(enqueue.raw()).doesNotContain("Exception").doesNotContain("at org.").doesNotContain("SQL");
        Api.Resp claim = api.post("/api/v1/claims", Api.WORKER, Map.of("workerId", "w", "queues", List.of("outage")));
        assertThat(claim.status()).isEqualTo(503);
        assertThat(api.get("/api/v1/jobs/" + id, Api.ADMIN).status()).isEqualTo(503);
        assertThat(api.get("/health", null).status()).isEqualTo(503);
        assertThat(cluster.queryLong("select count(*) from jobs")).isEqualTo(jobsBefore);

        proxy.restore();
        assertThat(Jobs.eventually(15_000, () -> api.get("/health", null).status() == 200)).isTrue();
        assertThat(Jobs.eventually(15_000, () -> api.get("/api/v1/jobs/" + id, Api.ADMIN).status() == 200)).isTrue();
        Jobs.enqueue(api, "outage", Map.of());
        assertThat(cluster.queryLong("select count(*) from jobs")).isEqualTo(jobsBefore + 1);
    }
}
