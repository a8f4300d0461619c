package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.testing.TestCluster;
import io.micronaut.web.router.Router;
import io.micronaut.web.router.UriRouteInfo;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The served OpenAPI document is valid (swagger-parser reports nothing), names exactly the routes the
 * coordinator has, with their methods, and is written for generated clients: an operationId and a
 * tag on every operation, every error status as its own response. That every real response matches
 * it is checked by testing.Api (OpenApiCheck) on each call of the suite.
 */
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
                .filter(r -> !r.getUriMatchTemplate().toString().startsWith("/ui")) // the dashboard is no part of the API
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
        assertThat(((Map<String, Object>) problem.get("properties")).get("code"))
                .isEqualTo(Map.of("$ref", "#/components/schemas/ErrorCode"));
        Map<String, Object> code = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                doc.get("components")).get("schemas")).get("ErrorCode");
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

    /** swagger-parser (what OpenAPI Generator reads the document with) finds no error and no warning. */
    @Test
    void documentValidatesWithoutAMessage() {
        SwaggerParseResult result = parse(cluster.api().get("/openapi.yaml", null).raw());
        assertThat(result.getMessages()).as("swagger-parser's messages").isEmpty();
        assertThat(result.getOpenAPI().getPaths()).isNotEmpty();
    }

    /** Generated clients name their classes after tags and their methods after operationIds. */
    @Test
    void everyOperationHasAUniqueCamelCaseIdAndAKnownTag() {
        OpenAPI api = parse(cluster.api().get("/openapi.yaml", null).raw()).getOpenAPI();
        Set<String> tags = new HashSet<>();
        api.getTags().forEach(t -> tags.add(t.getName()));
        assertThat(tags).containsExactlyInAnyOrder("jobs", "worker", "queues", "schedules", "workers", "tokens", "audit",
                "system");
        Set<String> ids = new HashSet<>();
        List<String> problems = new ArrayList<>();
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, op) -> {
            String where = method + " " + path;
            if (op.getOperationId() == null || !op.getOperationId().matches("[a-z][A-Za-z0-9]*")) {
                problems.add(where + ": operationId " + op.getOperationId() + " is not camelCase");
            } else if (!ids.add(op.getOperationId())) {
                problems.add(where + ": operationId " + op.getOperationId() + " is used twice");
            }
            if (op.getTags() == null || op.getTags().size() != 1 || !tags.contains(op.getTags().get(0))) {
                problems.add(where + ": tags " + op.getTags() + " are not one of " + tags);
            }
            if (op.getSummary() == null) {
                problems.add(where + ": no summary");
            }
            problems.addAll(errorProblems(api, where, op));
        }));
        assertThat(problems).isEmpty();
    }

    /**
     * Every route lists the refusals every route can answer (406, and 401 where a token is needed),
     * each error as its own problem+json response, and `default` only as the fallback.
     */
    private static List<String> errorProblems(OpenAPI api, String where, Operation op) {
        List<String> problems = new ArrayList<>();
        Set<String> statuses = op.getResponses().keySet();
        if (!statuses.contains("406") || !statuses.contains("default")) {
            problems.add(where + ": needs 406 and default, has " + statuses);
        }
        boolean open = op.getSecurity() != null && op.getSecurity().isEmpty();
        if (!open && !statuses.contains("401")) {
            problems.add(where + ": needs a token but lists no 401");
        }
        op.getResponses().forEach((status, given) -> {
            ApiResponse response = given.get$ref() == null ? given
                    : api.getComponents().getResponses().get(given.get$ref().substring("#/components/responses/".length()));
            if ((status.startsWith("4") || status.equals("default"))
                    && (response.getContent() == null || response.getContent().get("application/problem+json") == null)) {
                problems.add(where + " " + status + ": not application/problem+json");
            }
        });
        return problems;
    }

    /** Response schemas say what is always there: every object schema lists its required fields. */
    @Test
    @SuppressWarnings("rawtypes")
    void everyResponseObjectListsItsRequiredFields() {
        OpenAPI api = parse(cluster.api().get("/openapi.yaml", null).raw()).getOpenAPI();
        Set<String> requests = Set.of("Backoff", "Enqueue", "EnqueueBatch", "Patch", "Cancel", "Retry", "Bulk",
                "BulkOperation", "Claim", "Heartbeat", "ProgressUpdate", "LogAppend", "LogLine", "Complete", "Fail",
                "FailError", "Completions", "CompletionItem", "QueueUpdate", "PutSchedule", "Labels", "CreateToken");
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Schema> e : api.getComponents().getSchemas().entrySet()) {
            Schema s = e.getValue();
            if ("object".equals(s.getType()) && s.getProperties() != null && !requests.contains(e.getKey())
                    && (s.getRequired() == null || s.getRequired().isEmpty())) {
                missing.add(e.getKey());
            }
        }
        assertThat(missing).as("response schemas without required").isEmpty();
    }

    private static SwaggerParseResult parse(String yaml) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        return new OpenAPIV3Parser().readContents(yaml, null, options);
    }
}
