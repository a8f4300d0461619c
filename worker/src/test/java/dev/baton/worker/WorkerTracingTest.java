package dev.baton.worker;

import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.common.Job;
import dev.baton.common.Requests;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trace context's round trip: a producer's span, POST /jobs through the Java client, a real
 * coordinator and PostgreSQL, a real worker with an in-memory exporter. The first attempt's span
 * is the producer's child; a retry's starts a trace of its own, linked to the producer's.
 */
class WorkerTracingTest {
    static TestCluster cluster;
    static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    static OpenTelemetrySdk sdk;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(WorkerTracingTest.class, 1);
        sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    }

    @AfterAll
    static void stop() {
        cluster.close();
        sdk.close();
    }

    private static String url() {
        return "http://127.0.0.1:" + cluster.coordinator(0).port() + "/";
    }

    private static Requests.Enqueue job(String type, Map<String, Long> backoff) {
        return new Requests.Enqueue("traced", type, null, null, null, null, 3, null, null, null,
                backoff == null ? null : new Job.Backoff(backoff.get("initialMs"), null, null, 0.0));
    }

    private static List<SpanData> processed(String jobId) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("process traced"))
                .filter(s -> jobId.equals(s.getAttributes().get(stringKey("messaging.message.id"))))
                .sorted(java.util.Comparator.comparing(s -> s.getAttributes().get(longKey("baton.job.attempt"))))
                .toList();
    }

    @Test
    void theHandlersSpanContinuesTheProducersTraceAndARetryLinksToIt() throws Exception {
        BatonClient producer = new BatonClient(List.of(URI.create(url())), Api.PRODUCER);
        Span produce = sdk.getTracer("test").spanBuilder("produce").startSpan();
        Job once;
        Job flaky;
        try (Scope ignored = produce.makeCurrent()) {
            once = producer.enqueue(job("once", null));
            flaky = producer.enqueue(job("flaky", Map.of("initialMs", 0L)));
        } finally {
            produce.end();
        }
        Job untraced = producer.enqueue(job("once", null)); // no current span: no context
        String producerTrace = produce.getSpanContext().getTraceId();
        String producerSpan = produce.getSpanContext().getSpanId();
        assertThat(once.traceparent()).startsWith("00-" + producerTrace + "-" + producerSpan + "-");
        assertThat(untraced.traceparent()).isNull();

        try (Worker w = Worker.builder().coordinators(url()).token(Api.WORKER).queues("traced").concurrency(4)
                .shutdownGrace(Duration.ofSeconds(10)).openTelemetry(sdk)
                .handler("once", ctx -> {
                    // the handler's own span is a child of the process span: it is the current one
                    sdk.getTracer("handler").spanBuilder("inside " + ctx.jobId()).startSpan().end();
                    return Map.of("ok", true);
                })
                .handler("flaky", ctx -> {
                    if (ctx.attempt() == 1) {
                        throw new IllegalStateException("first attempt fails");
                    }
                    return Map.of("attempt", ctx.attempt());
                })
                .build().start()) {
            assertThat(Jobs.eventually(30_000, () -> cluster.queryLong(
                    "select count(*) from jobs where queue = 'traced' and status = 'succeeded'") == 3)).isTrue();
        }

        SpanData first = processed(once.id()).getFirst();
        assertThat(processed(once.id())).hasSize(1);
        assertThat(first.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(first.getTraceId()).isEqualTo(producerTrace);
        assertThat(first.getParentSpanId()).isEqualTo(producerSpan);
        assertThat(first.getLinks()).isEmpty();
        assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(first.getAttributes().get(stringKey("messaging.system"))).isEqualTo("baton");
        assertThat(first.getAttributes().get(stringKey("messaging.destination.name"))).isEqualTo("traced");
        assertThat(first.getAttributes().get(stringKey("messaging.operation.type"))).isEqualTo("process");
        assertThat(first.getAttributes().get(stringKey("baton.job.type"))).isEqualTo("once");
        assertThat(first.getAttributes().get(longKey("baton.job.attempt"))).isEqualTo(1L);
        SpanData inside = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("inside " + once.id())).findFirst().orElseThrow();
        assertThat(inside.getParentSpanId()).isEqualTo(first.getSpanId());
        assertThat(inside.getTraceId()).isEqualTo(producerTrace);

        List<SpanData> attempts = processed(flaky.id());
        assertThat(attempts).hasSize(2);
        SpanData failed = attempts.get(0);
        assertThat(failed.getParentSpanId()).isEqualTo(producerSpan);
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(failed.getAttributes().get(stringKey("error.type"))).isEqualTo("java.lang.IllegalStateException");
        assertThat(failed.getEvents()).anyMatch(e -> e.getName().equals("exception"));
        SpanData retried = attempts.get(1);
        assertThat(retried.getAttributes().get(longKey("baton.job.attempt"))).isEqualTo(2L);
        assertThat(retried.getParentSpanContext().isValid()).as("a retry starts a trace of its own").isFalse();
        assertThat(retried.getTraceId()).isNotEqualTo(producerTrace);
        assertThat(retried.getLinks()).hasSize(1);
        assertThat(retried.getLinks().get(0).getSpanContext().getTraceId()).isEqualTo(producerTrace);
        assertThat(retried.getLinks().get(0).getSpanContext().getSpanId()).isEqualTo(producerSpan);
        assertThat(retried.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

        SpanData alone = processed(untraced.id()).getFirst();
        assertThat(alone.getParentSpanContext().isValid()).isFalse();
        assertThat(alone.getLinks()).isEmpty();
    }

    /** A coordinator that traces too: one trace runs producer, enqueue, the handler's process, the complete. */
    @Test
    void withTheCoordinatorTracingTheTraceRunsFromProducerThroughEnqueueToProcessAndComplete() throws Exception {
        String traced = "http://127.0.0.1:" + cluster.addCoordinator(Map.of(), sdk).port() + "/";
        Span produce = sdk.getTracer("test").spanBuilder("produce chain").startSpan();
        Job job;
        try (Scope ignored = produce.makeCurrent()) {
            job = new BatonClient(List.of(URI.create(traced)), Api.PRODUCER).enqueue(
                    new Requests.Enqueue("chain", "once", null, null, null, null, null, null, null, null, null));
        } finally {
            produce.end();
        }
        try (Worker w = Worker.builder().coordinators(traced).token(Api.WORKER).queues("chain")
                .shutdownGrace(Duration.ofSeconds(10)).openTelemetry(sdk).handler("once", ctx -> null)
                .build().start()) {
            assertThat(Jobs.eventually(30_000, () -> cluster.queryLong(
                    "select count(*) from jobs where queue = 'chain' and status = 'succeeded'") == 1)).isTrue();
        }
        String trace = produce.getSpanContext().getTraceId();
        Map<String, SpanData> byName = new java.util.HashMap<>();
        assertThat(Jobs.eventually(5_000, () -> {
            spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(trace))
                    .forEach(s -> byName.put(s.getName(), s));
            return byName.containsKey("complete chain");
        })).isTrue();
        assertThat(byName.keySet()).containsExactlyInAnyOrder("produce chain", "enqueue chain", "process chain",
                "complete chain");
        SpanData enqueue = byName.get("enqueue chain");
        assertThat(enqueue.getParentSpanId()).isEqualTo(produce.getSpanContext().getSpanId());
        assertThat(job.traceparent()).contains(enqueue.getSpanId());
        assertThat(byName.get("process chain").getParentSpanId()).isEqualTo(enqueue.getSpanId());
        assertThat(byName.get("complete chain").getParentSpanId()).isEqualTo(enqueue.getSpanId());
        // the claim is a trace of its own, linked to the job
        assertThat(spans.getFinishedSpanItems()).filteredOn(s -> s.getName().equals("claim chain"))
                .anySatisfy(claim -> assertThat(claim.getLinks()).anySatisfy(link ->
                        assertThat(link.getSpanContext().getSpanId()).isEqualTo(enqueue.getSpanId())));
    }

    @Test
    void theRunnableWorkerMakesAnSdkOnlyWithAnEndpoint() {
        assertThat(WorkerMain.tracing(Map.of())).isNull();
        OpenTelemetrySdk made = WorkerMain.tracing(Map.of("BATON_OTLP_ENDPOINT", "http://127.0.0.1:1"));
        assertThat(made).isNotNull();
        made.close();
        assertThatThrownBy(() -> WorkerMain.tracing(Map.of("BATON_OTLP_ENDPOINT", "collector:4318")))
                .hasMessage("BATON_OTLP_ENDPOINT must be an http:// or https:// URL with a host, was 'collector:4318'");
        assertThat(WorkerSettings.unknownNames(Map.of("BATON_OTLP_ENDPOINT", "http://c:4318"))).isEmpty();
    }

    /** OpenTelemetry is an optional dependency: a worker built without it, and its client, never load it. */
    @Test
    void aWorkerRunsWithoutOpenTelemetryOnTheClassPath() throws Exception {
        ClassLoader without = new Hiding(WorkerTracingTest.class.getClassLoader(), "io.opentelemetry.");
        @SuppressWarnings("unchecked")
        var probe = (Callable<String>) without.loadClass("dev.baton.worker.NoOpenTelemetryProbe")
                .getConstructor().newInstance();
        assertThat(probe.call()).isEqualTo("ran, enqueue unavailable");
    }
}
