package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With tracing off (no BATON_OTLP_ENDPOINT), the W3C trace context a producer sends with POST
 * /jobs is stored as it came, shown with the job, and handed to the worker with each claim.
 */
class TraceparentTest {
    static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    static final String STATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    static TestCluster cluster;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(TraceparentTest.class, 1);
        api = cluster.api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Api.Resp enqueue(String path, Object body, Map<String, String> headers) {
        return api.send("POST", path, Api.PRODUCER, body, "application/json", headers);
    }

    @Test
    void theTraceContextIsStoredShownAndHandedToTheWorkerWithTheAttempt() {
        Api.Resp r = enqueue("/api/v1/jobs", Map.of("queue", "traced", "type", "t"),
                Map.of("traceparent", PARENT, "tracestate", STATE));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.body().path("traceparent").asText()).isEqualTo(PARENT);
        assertThat(r.body().path("tracestate").asText()).isEqualTo(STATE);
        String id = r.body().path("id").asText();
        assertThat(Jobs.get(api, id).path("traceparent").asText()).isEqualTo(PARENT);
        assertThat(cluster.queryLong("select count(*) from jobs where id = ? and traceparent = ? and tracestate = ?",
                Long.parseLong(id), PARENT, STATE)).isEqualTo(1);

        JsonNode claimed = Jobs.claimOne(api, "traced", 30_000);
        assertThat(claimed.path("id").asText()).isEqualTo(id);
        assertThat(claimed.path("attempt").asInt()).isEqualTo(1);
        assertThat(claimed.path("traceparent").asText()).isEqualTo(PARENT);
        assertThat(claimed.path("tracestate").asText()).isEqualTo(STATE);
    }

    @Test
    void anInvalidTraceparentIsIgnoredAndTheJobEnqueuedWithNone() {
        Api.Resp r = enqueue("/api/v1/jobs", Map.of("queue", "untraced", "type", "t"),
                Map.of("traceparent", PARENT.toUpperCase(), "tracestate", STATE));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.body().has("traceparent")).isFalse();
        assertThat(r.body().has("tracestate")).isFalse();
        assertThat(cluster.queryLong("select count(*) from jobs where id = ? and traceparent is null"
                + " and tracestate is null", r.body().path("id").asLong())).isEqualTo(1);

        Api.Resp none = enqueue("/api/v1/jobs", Map.of("queue", "untraced", "type", "t"), Map.of());
        assertThat(none.body().has("traceparent")).isFalse();
    }

    @Test
    void everyJobOfABatchCarriesTheRequestsContext() {
        Api.Resp r = enqueue("/api/v1/jobs/batch", Map.of("jobs", List.of(Map.of("queue", "batch", "type", "a"),
                Map.of("queue", "batch", "type", "b", "uniqueKey", "u"))), Map.of("traceparent", PARENT));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.body().path("jobs")).hasSize(2)
                .allSatisfy(job -> assertThat(job.path("traceparent").asText()).isEqualTo(PARENT))
                .allSatisfy(job -> assertThat(job.has("tracestate")).isFalse());
        Api.Resp plain = enqueue("/api/v1/jobs/batch", Map.of("jobs", List.of(Map.of("queue", "batch", "type", "a"),
                Map.of("queue", "batch", "type", "c"))), Map.of("traceparent", PARENT));
        assertThat(plain.body().path("jobs")).allSatisfy(job -> assertThat(job.path("traceparent").asText())
                .isEqualTo(PARENT));
    }
}
