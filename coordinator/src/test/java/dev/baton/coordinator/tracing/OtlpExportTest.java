package dev.baton.coordinator.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * BATON_OTLP_ENDPOINT decides: unset, a coordinator makes no SDK and no span; set, its spans reach
 * an OTLP/HTTP collector (here a stand-in that keeps what it is sent) through the JDK's HttpClient,
 * and a graceful stop sends those still buffered.
 */
class OtlpExportTest {
    record Received(String method, String path, String contentType, byte[] body) {
    }

    static final List<Received> received = new CopyOnWriteArrayList<>();
    static HttpServer collector;
    static TestCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            exchange.getRequestBody().transferTo(body);
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body.toByteArray()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        cluster = TestCluster.start(OtlpExportTest.class, 0);
    }

    @AfterAll
    static void stop() {
        cluster.close();
        collector.stop(0);
    }

    @Test
    void withoutAnEndpointThereIsNoTracing() {
        Coordinator c = cluster.addCoordinator(Map.of());
        assertThat(c.context().getBean(Tracing.class).on()).isFalse();
        assertThat(c.context().getBean(Tracing.class).now()).isNull();
    }

    @Test
    void withAnEndpointSpansReachTheCollectorAndAStopSendsTheLast() throws Exception {
        Coordinator c = cluster.addCoordinator(Map.of("BATON_OTLP_ENDPOINT",
                "http://127.0.0.1:" + collector.getAddress().getPort() + "/"));
        assertThat(c.context().getBean(Tracing.class).on()).isTrue();
        Api api = new Api(c.port());
        String traceparent = Jobs.enqueue(api, "exported", Map.of()).path("traceparent").asText();
        assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]");
        assertThat(c.stop()).isTrue(); // the batch processor's 5 s have not passed: the stop sends the span
        assertThat(received).isNotEmpty().allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo("/v1/traces");
            assertThat(r.contentType()).isEqualTo("application/x-protobuf");
        });
        String sent = new String(received.stream().map(Received::body).reduce(new byte[0], OtlpExportTest::concat),
                StandardCharsets.ISO_8859_1);
        assertThat(sent).contains("enqueue exported").contains("baton-coordinator").contains("messaging.system");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
