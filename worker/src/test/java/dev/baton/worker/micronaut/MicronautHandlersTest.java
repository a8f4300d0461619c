package dev.baton.worker.micronaut;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.worker.JobContext;
import dev.baton.worker.JobHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Handlers declared as Micronaut beans run through a worker the application context starts and
 * stops, recording into the application's MeterRegistry and OpenTelemetry beans.
 */
class MicronautHandlersTest {

    @JobType("greet")
    static final class Greeter implements JobHandler {
        @Override
        public Object handle(JobContext ctx) {
            ctx.info("greeting " + ctx.payload().path("name").asText());
            return Map.of("greeting", "hello " + ctx.payload().path("name").asText());
        }
    }

    @Test
    void beanHandlersRun() throws Exception {
        try (TestCluster cluster = TestCluster.start(MicronautHandlersTest.class, 1)) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            InMemorySpanExporter spans = InMemorySpanExporter.create();
            OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
            String id = Jobs.enqueue(cluster.api(), "beans", Map.of("type", "greet", "payload", Map.of("name", "ada")))
                    .path("id").asText();
            try (ApplicationContext ctx = ApplicationContext.builder().properties(Map.of(
                    "baton.worker.coordinators", "http://127.0.0.1:" + cluster.coordinator(0).port(),
                    "baton.worker.token", Api.WORKER,
                    // a list, as application.yml gives one
                    "baton.worker.queues", List.of("other", "beans"))).singletons(registry, sdk).start()) {
                assertThat(ctx.getBean(BatonWorkerLifecycle.class).worker()).isNotNull();
                assertThat(Jobs.eventually(20_000, () ->
                        "succeeded".equals(Jobs.get(cluster.api(), id).path("status").asText()))).isTrue();
            }
            // the application's MeterRegistry bean got the worker's meters
            assertThat(registry.get("baton.worker.handler").tag("type", "greet").tag("outcome", "succeeded")
                    .timer().count()).isEqualTo(1);
            assertThat(Jobs.get(cluster.api(), id).path("result").path("greeting").asText()).isEqualTo("hello ada");
            // and the application's OpenTelemetry bean the handler's span
            assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName).containsExactly("process beans");
            sdk.close();
        }
    }

    /** The properties are WorkerSettings spelt another way: the same checks, the same one line, naming the property. */
    @Test
    void aBadPropertyStopsTheStartNamingIt() {
        Map<String, Object> good = Map.of("baton.worker.coordinators", "http://127.0.0.1:1", "baton.worker.token", "t");
        assertThat(rootMessage(with(good, "baton.worker.concurrency", "lots")))
                .isEqualTo("baton.worker.concurrency must be a whole number, was 'lots'");
        assertThat(rootMessage(with(good, "baton.worker.lease-ms", "10")))
                .isEqualTo("baton.worker.lease-ms must be 1000..3600000, was 10");
        assertThat(rootMessage(with(good, "baton.worker.coordinators", "127.0.0.1:8080")))
                .isEqualTo("baton.worker.coordinators must list http:// or https:// URLs with a host,"
                        + " was '127.0.0.1:8080'");
        assertThat(rootMessage(with(good, "baton.worker.token", " ")))
                .isEqualTo("baton.worker.token must be set to a worker (or admin) token of the coordinator");
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    private static String rootMessage(Map<String, Object> properties) {
        Throwable thrown = catchThrowable(() -> ApplicationContext.builder().properties(properties).start().close());
        assertThat(thrown).as("the start fails").isNotNull();
        Throwable root = thrown;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOf(IllegalArgumentException.class);
        return root.getMessage();
    }
}
