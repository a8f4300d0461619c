package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.testing.TestCluster;
import io.micronaut.web.router.Router;
import io.micronaut.web.router.UriRouteInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The served OpenAPI document names exactly the routes the coordinator has, with their methods. */
class OpenApiDocumentTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(OpenApiDocumentTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void documentAndRoutesAgree() {
        var resp = cluster.api().get("/openapi.yaml", null);
        assertThat(resp.status()).isEqualTo(200);
        Map<String, Object> doc = new Yaml().load(resp.raw());
        Set<String> documented = new TreeSet<>();
        ((Map<String, Map<String, Object>>) doc.get("paths")).forEach((path, ops) -> ops.keySet().stream()
                .filter(m -> !m.equals("parameters"))
                .forEach(m -> documented.add(m.toUpperCase(Locale.ROOT) + " " + path)));
        Set<String> served = new TreeSet<>();
        Router router = cluster.coordinator(0).context().getBean(Router.class);
        router.uriRoutes().map(r -> (UriRouteInfo<?, ?>) r)
                .filter(r -> !r.getHttpMethodName().equals("HEAD")) // Micronaut mirrors every GET
                .forEach(r -> served.add(r.getHttpMethodName() + " " + r.getUriMatchTemplate().toString()));
        served.add("GET /prometheus"); // Micronaut's management endpoint, not a controller route
        assertThat(documented).isEqualTo(served);
    }

    /** Every code the coordinator can answer is in the document's Problem schema and in docs/protocol.md. */
    @Test
    @SuppressWarnings("unchecked")
    void everyErrorCodeIsDocumented() throws IOException {
        Map<String, Object> doc = new Yaml().load(cluster.api().get("/openapi.yaml", null).raw());
        Map<String, Object> problem = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                doc.get("components")).get("schemas")).get("Problem");
        Map<String, Object> code = (Map<String, Object>) ((Map<String, Object>) problem.get("properties")).get("code");
        Set<String> codes = new TreeSet<>();
        for (ErrorCode c : ErrorCode.values()) {
            codes.add(c.code());
        }
        assertThat(new TreeSet<>((List<String>) code.get("enum"))).isEqualTo(codes);
        String protocol = Files.readString(Path.of("../docs/protocol.md"));
        for (ErrorCode c : ErrorCode.values()) {
            assertThat(protocol).as("docs/protocol.md names " + c.code()).contains("`" + c.code() + "`");
        }
    }
}
