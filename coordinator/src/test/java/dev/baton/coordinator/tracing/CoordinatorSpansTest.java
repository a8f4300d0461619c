package dev.baton.coordinator.tracing;

import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, a coordinator's spans for enqueue, claim, complete and fail, read from an
 * in-memory exporter: their kind, parent, links and messaging attributes, and the context the job
 * stores (the enqueue span's, so a worker's span continues from it).
 */
class CoordinatorSpansTest {
    static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    static final String CALLER_SPAN = "b7ad6b7169203331";
    static final String CALLER = "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01";
    static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    static OpenTelemetrySdk sdk;
    static TestCluster cluster;
    static Api api;

    @BeforeAll
    static void start() {
        sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
        cluster = TestCluster.start(CoordinatorSpansTest.class, 0);
        cluster.addCoordinator(Map.of(), sdk);
        api = cluster.api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
        sdk.close();
    }

    @BeforeEach
    void forget() {
        spans.reset();
    }

    private static SpanData only(String name) {
        List<SpanData> named = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(named).as("spans named %s among %s", name, spans.getFinishedSpanItems()).hasSize(1);
        return named.get(0);
    }

    private static Api.Resp enqueue(Object body, Map<String, String> headers) {
        Api.Resp r = api.send("POST", "/api/v1/jobs", Api.PRODUCER, body, "application/json", headers);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r;
    }

    private static Api.Resp worker(String path, Object body) {
        return api.post(path, Api.WORKER, body);
    }

    @Test
    void aJobsLifeIsOneTraceFromTheCallersSpan() {
        JsonNode job = enqueue(Map.of("queue", "life", "type", "t", "backoff", Map.of("initialMs", 0)),
                Map.of("traceparent", CALLER, "tracestate", "congo=t61rcWkgMzE")).body();
        String id = job.path("id").asText();

        SpanData enqueue = only("enqueue life");
        assertThat(enqueue.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(enqueue.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(enqueue.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(enqueue.getParentSpanContext().isRemote()).isTrue();
        assertThat(enqueue.getAttributes().get(stringKey("messaging.system"))).isEqualTo("baton");
        assertThat(enqueue.getAttributes().get(stringKey("messaging.destination.name"))).isEqualTo("life");
        assertThat(enqueue.getAttributes().get(stringKey("messaging.operation.type"))).isEqualTo("send");
        assertThat(enqueue.getAttributes().get(stringKey("messaging.operation.name"))).isEqualTo("enqueue");
        assertThat(enqueue.getAttributes().get(stringKey("messaging.message.id"))).isEqualTo(id);
        assertThat(enqueue.getAttributes().get(stringKey("baton.job.type"))).isEqualTo("t");
        assertThat(enqueue.getAttributes().get(stringKey("baton.job.outcome"))).isEqualTo("enqueued");
        // the job stores the enqueue span's context (the caller's trace, the caller's tracestate)
        assertThat(job.path("traceparent").asText()).isEqualTo("00-" + TRACE_ID + "-" + enqueue.getSpanId() + "-01");
        assertThat(job.path("tracestate").asText()).isEqualTo("congo=t61rcWkgMzE");

        // attempt 1: claimed, then failed with a retry
        spans.reset();
        JsonNode first = Jobs.claimOne(api, "life", 30_000);
        SpanData claim = only("claim life");
        assertThat(claim.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(claim.getParentSpanContext().isValid()).as("a claim is a root of its own").isFalse();
        assertThat(claim.getAttributes().get(stringKey("messaging.operation.type"))).isEqualTo("receive");
        assertThat(claim.getAttributes().get(stringKey("messaging.client.id"))).isEqualTo("test-worker");
        assertThat(claim.getAttributes().get(stringKey("messaging.message.id"))).isEqualTo(id);
        assertThat(claim.getAttributes().get(longKey("baton.job.attempt"))).isEqualTo(1L);
        assertThat(claim.getLinks()).hasSize(1);
        SpanContext linked = claim.getLinks().get(0).getSpanContext();
        assertThat(linked.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(linked.getSpanId()).isEqualTo(enqueue.getSpanId());
        assertThat(claim.getLinks().get(0).getAttributes().get(stringKey("messaging.message.id"))).isEqualTo(id);

        Api.Resp failed = worker("/api/v1/jobs/" + id + "/fail", Map.of("leaseToken", first.path("leaseToken").asText(),
                "error", Map.of("message", "boom")));
        assertThat(failed.status()).as(failed.toString()).isEqualTo(200);
        SpanData fail = only("fail life");
        assertThat(fail.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(fail.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(fail.getParentSpanId()).isEqualTo(enqueue.getSpanId());
        assertThat(fail.getAttributes().get(stringKey("messaging.operation.type"))).isEqualTo("settle");
        assertThat(fail.getAttributes().get(stringKey("messaging.operation.name"))).isEqualTo("fail");
        assertThat(fail.getAttributes().get(stringKey("messaging.message.id"))).isEqualTo(id);
        assertThat(fail.getAttributes().get(longKey("baton.job.attempt"))).isEqualTo(1L);
        assertThat(fail.getAttributes().get(stringKey("baton.job.outcome"))).isEqualTo("retried");
        assertThat(fail.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

        // attempt 2: completed through POST /completions, as the worker library sends it
        cluster.execute("update jobs set run_at = now() where id = ?", Long.parseLong(id));
        JsonNode second = Jobs.claimOne(api, "life", 30_000);
        assertThat(second.path("attempt").asInt()).isEqualTo(2);
        assertThat(second.path("traceparent").asText()).isEqualTo(job.path("traceparent").asText());
        spans.reset();
        Api.Resp completed = api.send("POST", "/api/v1/completions", Api.WORKER, Map.of("items", List.of(Map.of(
                "id", id, "leaseToken", second.path("leaseToken").asText(), "result", Map.of()))),
                "application/json", Map.of("Prefer", "return=minimal"));
        assertThat(completed.status()).as(completed.toString()).isEqualTo(200);
        SpanData complete = only("complete life");
        assertThat(complete.getParentSpanId()).isEqualTo(enqueue.getSpanId());
        assertThat(complete.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(complete.getAttributes().get(longKey("baton.job.attempt"))).isEqualTo(2L);
        assertThat(complete.getAttributes().get(stringKey("baton.job.outcome"))).isEqualTo("succeeded");
        assertThat(complete.getAttributes().get(stringKey("messaging.operation.name"))).isEqualTo("complete");

        // a refused complete shows in the job's trace as an error
        spans.reset();
        Api.Resp refused = worker("/api/v1/jobs/" + id + "/complete", Map.of("leaseToken", "not-the-lease"));
        assertThat(refused.status()).isEqualTo(409);
        SpanData lost = only("complete life");
        assertThat(lost.getParentSpanId()).isEqualTo(enqueue.getSpanId());
        assertThat(lost.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(lost.getAttributes().get(stringKey("error.type"))).isEqualTo("lease_lost");
        assertThat(lost.getAttributes().get(stringKey("baton.job.outcome"))).isEqualTo("lease_lost");
    }

    @Test
    void withoutAValidCallersContextTheEnqueueSpanStartsTheTrace() {
        for (Map<String, String> headers : List.of(Map.<String, String>of(), Map.of("traceparent", CALLER.toUpperCase()))) {
            spans.reset();
            JsonNode job = enqueue(Map.of("queue", "fresh", "type", "t"), headers).body();
            SpanData enqueue = only("enqueue fresh");
            assertThat(enqueue.getParentSpanContext().isValid()).isFalse();
            assertThat(enqueue.getTraceId()).isNotEqualTo(TRACE_ID);
            // sampled, and (W3C level 2, as the SDK makes new trace ids) the random flag
            assertThat(job.path("traceparent").asText())
                    .isEqualTo("00-" + enqueue.getTraceId() + "-" + enqueue.getSpanId() + "-03");
            assertThat(job.has("tracestate")).isFalse();
        }
    }

    @Test
    void aBatchIsOneEnqueueSpanAndEveryJobStoresItsContext() {
        Api.Resp r = api.send("POST", "/api/v1/jobs/batch", Api.PRODUCER, Map.of("jobs", List.of(
                Map.of("queue", "batch-a", "type", "t"), Map.of("queue", "batch-b", "type", "t"))),
                "application/json", Map.of("traceparent", CALLER));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        SpanData enqueue = only("enqueue");
        assertThat(enqueue.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(enqueue.getAttributes().get(longKey("messaging.batch.message_count"))).isEqualTo(2L);
        assertThat(enqueue.getAttributes().get(stringKey("messaging.destination.name"))).isNull();
        assertThat(r.body().path("jobs")).allSatisfy(job -> assertThat(job.path("traceparent").asText())
                .isEqualTo("00-" + TRACE_ID + "-" + enqueue.getSpanId() + "-01"));

        spans.reset();
        Api.Resp claimed = worker("/api/v1/claims", Map.of("workerId", "w", "queues", List.of("batch-a", "batch-b"),
                "limit", 10));
        assertThat(claimed.body().path("jobs")).hasSize(2);
        SpanData claim = only("claim");
        assertThat(claim.getAttributes().get(longKey("messaging.batch.message_count"))).isEqualTo(2L);
        assertThat(claim.getLinks()).hasSize(2).allSatisfy(link ->
                assertThat(link.getSpanContext().getSpanId()).isEqualTo(enqueue.getSpanId()));
    }

    @Test
    void aClaimThatHandsOutNothingMakesNoSpan() {
        Api.Resp r = worker("/api/v1/claims", Map.of("workerId", "idle", "queues", List.of("empty"), "waitMs", 0));
        assertThat(r.body().path("jobs")).isEmpty();
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }
}
