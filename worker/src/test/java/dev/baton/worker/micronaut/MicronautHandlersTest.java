package dev.baton.worker.micronaut;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import dev.baton.worker.JobContext;
import io.micronaut.context.ApplicationContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Handlers declared as Micronaut beans run through a worker the application context starts and stops. */
class MicronautHandlersTest {

    @JobHandler("greet")
    static final class Greeter implements dev.baton.worker.JobHandler {
        @Override
        public Object handle(JobContext ctx) {
            ctx.info("greeting " + ctx.payload().path("name").asText());
            return Map.of("greeting", "hello " + ctx.payload().path("name").asText());
        }
    }

    @Test
    void beanHandlersRun() throws Exception {
        try (TestCluster cluster = TestCluster.start(MicronautHandlersTest.class, 1)) {
            String id = Jobs.enqueue(cluster.api(), "beans", Map.of("type", "greet", "payload", Map.of("name", "ada")))
                    .path("id").asText();
            try (ApplicationContext ctx = ApplicationContext.builder().properties(Map.of(
                    "baton.worker.coordinators", "http://127.0.0.1:" + cluster.coordinator(0).port(),
                    "baton.worker.token", Api.WORKER,
                    "baton.worker.queues", "beans")).start()) {
                assertThat(ctx.getBean(BatonWorkerLifecycle.class).worker()).isNotNull();
                assertThat(Jobs.eventually(20_000, () ->
                        "succeeded".equals(Jobs.get(cluster.api(), id).path("status").asText()))).isTrue();
            }
            assertThat(Jobs.get(cluster.api(), id).path("result").path("greeting").asText()).isEqualTo("hello ada");
        }
    }
}
