package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bulk on a slow database link (each round trip held 100 ms each way: its 40 operations would
 * take half a minute) starts no operation past its budget, the database bound, and is answered:
 * soak 11, seed 3 saw a keyed bulk of 11 operations get no answer within its client's 10 s while
 * its coordinator's link to PostgreSQL was slowed.
 */
class SlowDatabaseBulkTest {
    static final int OPERATIONS = 40;
    static TestCluster cluster;
    static TcpProxy proxy;
    static Api api;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(SlowDatabaseBulkTest.class, 0);
        proxy = TcpProxy.before(cluster.jdbcUrl());
        Coordinator c = cluster.addCoordinator(Map.of("BATON_DB_URL", proxy.via(cluster.jdbcUrl())));
        api = new Api(c.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        cluster.close();
    }

    @AfterEach
    void fast() {
        proxy.slow(0);
    }

    @Test
    void withoutAKeyTheOperationsNotStartedAreReportedToSendAgain() throws Exception {
        List<String> ids = enqueue("slow-plain");
        proxy.slow(100);
        Api.Resp r = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, cancels(ids), "application/json", Map.of());
        proxy.slow(0);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> done = r.body().path("succeeded").findValuesAsText("id");
        JsonNode failed = r.body().path("failed");
        assertThat(failed.size()).as("some operations not started: " + r).isPositive();
        assertThat(done.size() + failed.size()).isEqualTo(OPERATIONS);
        for (JsonNode f : failed) {
            assertThat(f.path("code").asText()).isEqualTo("unavailable");
            assertThat(f.path("detail").asText()).startsWith("not attempted");
            assertThat(Jobs.get(api, f.path("id").asText()).path("status").asText()).as("untouched").isEqualTo("queued");
        }
        for (String id : done) {
            assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("cancelled");
        }
    }

    @Test
    void underAKeyItIsA503AndTheResendFinishesIt() throws Exception {
        List<String> ids = enqueue("slow-keyed");
        Map<String, String> key = Map.of("Idempotency-Key", "slow-keyed-1");
        proxy.slow(100);
        Api.Resp cut = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, cancels(ids), "application/json", key);
        proxy.slow(0);
        assertThat(cut.status()).as(cut.toString()).isEqualTo(503);
        assertThat(cut.body().path("detail").asText()).contains("ran past").contains("of its " + OPERATIONS);

        Api.Resp resent = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, cancels(ids), "application/json", key);
        assertThat(resent.status()).as(resent.toString()).isEqualTo(200);
        assertThat(resent.body().path("failed")).as(resent.toString()).isEmpty();
        assertThat(resent.body().path("succeeded").findValuesAsText("id")).containsExactlyElementsOf(ids);
        assertThat(resent.body().path("succeeded").findValuesAsText("version")).containsOnly("2");
        assertThat(cluster.queryLong("select count(*) from job_events where type = 'cancelled' and job_id in ("
                + String.join(",", ids) + ")")).as("each cancelled once").isEqualTo(OPERATIONS);
    }

    private static List<String> enqueue(String queue) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < OPERATIONS; i++) {
            ids.add(Jobs.enqueue(api, queue, Map.of()).path("id").asText());
        }
        return ids;
    }

    private static String cancels(List<String> ids) {
        StringBuilder b = new StringBuilder("{\"operations\":[");
        for (int i = 0; i < ids.size(); i++) {
            b.append(i == 0 ? "" : ",").append("{\"id\":\"").append(ids.get(i))
                    .append("\",\"action\":\"cancel\",\"expectedVersion\":1}");
        }
        return b.append("]}").toString();
    }
}
