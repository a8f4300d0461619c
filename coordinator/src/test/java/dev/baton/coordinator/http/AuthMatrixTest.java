package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.management.endpoint.annotation.Read;
import io.micronaut.web.router.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every endpoint × every kind of caller, against docs/protocol.md "Auth". */
class AuthMatrixTest {
    private static final String UNKNOWN = "not-a-known-token-3f9a";
    private static final String ANY = "admin producer worker";
    private static final String WORKERS = "admin worker";
    private static final String ADMIN = "admin";
    private static final String OPEN = "open";

    /** Who calls: the token it sends (null: no Authorization header) and the role it has. */
    enum Caller {
        NO_TOKEN(null, null), UNKNOWN_TOKEN(UNKNOWN, null),
        ADMIN(Api.ADMIN, "admin"), PRODUCER(Api.PRODUCER, "producer"), WORKER(Api.WORKER, "worker");

        final String token;
        final String role;

        Caller(String token, String role) {
            this.token = token;
            this.role = role;
        }
    }

    /** One endpoint, with a body that is valid for it, and the roles docs/protocol.md allows. */
    record Endpoint(String method, String path, String body, String allowed) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    // {job} is a queued job made in @BeforeAll. Bodies are valid, so an allowed caller gets a real answer.
    private static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("POST", "/api/v1/jobs", "{\"type\":\"auth.t\",\"queue\":\"auth\"}", ANY),
            new Endpoint("POST", "/api/v1/jobs/batch", "{\"jobs\":[{\"type\":\"auth.t\",\"queue\":\"auth\"}]}", ANY),
            new Endpoint("GET", "/api/v1/jobs", null, ANY),
            new Endpoint("GET", "/api/v1/jobs/{job}", null, ANY),
            new Endpoint("GET", "/api/v1/jobs/{job}/events", null, ANY),
            new Endpoint("POST", "/api/v1/jobs/{job}/cancel", "{\"reason\":\"auth test\"}", ADMIN),
            new Endpoint("POST", "/api/v1/jobs/{job}/retry", "{}", ADMIN),
            new Endpoint("PATCH", "/api/v1/jobs/{job}", "{\"expectedVersion\":1,\"priority\":3}", ADMIN),
            new Endpoint("POST", "/api/v1/jobs/bulk", "{\"operations\":[{\"id\":\"{job}\",\"action\":\"retry\"}]}", ADMIN),
            new Endpoint("POST", "/api/v1/claims", "{\"workerId\":\"auth-w\",\"queues\":[\"auth-empty\"]}", WORKERS),
            new Endpoint("POST", "/api/v1/jobs/{job}/heartbeat", "{\"leaseToken\":\"nope\"}", WORKERS),
            new Endpoint("POST", "/api/v1/jobs/{job}/complete", "{\"leaseToken\":\"nope\",\"result\":{}}", WORKERS),
            new Endpoint("POST", "/api/v1/jobs/{job}/fail", "{\"leaseToken\":\"nope\",\"error\":{\"message\":\"x\"}}", WORKERS),
            new Endpoint("POST", "/api/v1/completions", "{\"items\":[{\"id\":\"{job}\",\"leaseToken\":\"nope\"}]}", WORKERS),
            new Endpoint("GET", "/api/v1/queues", null, ANY),
            new Endpoint("PUT", "/api/v1/queues/auth", "{\"paused\":false}", ADMIN),
            new Endpoint("PUT", "/api/v1/schedules/auth", "{\"cron\":\"0 0 0 1 1 *\",\"job\":{\"type\":\"auth.t\"}}", ADMIN),
            new Endpoint("GET", "/api/v1/schedules", null, ADMIN),
            new Endpoint("GET", "/api/v1/schedules/auth", null, ADMIN),
            new Endpoint("DELETE", "/api/v1/schedules/auth-gone", null, ADMIN),
            new Endpoint("GET", "/prometheus", null, ADMIN),
            new Endpoint("GET", "/health", null, OPEN));

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    static TestCluster cluster;
    static Api api;
    static String jobId;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(AuthMatrixTest.class, 1);
        api = cluster.api();
        Api.Resp r = api.post("/api/v1/jobs", Api.ADMIN, Map.of("type", "auth.fixture", "queue", "auth-fixture"));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        jobId = r.body().path("id").asText();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static Stream<Arguments> matrix() {
        List<Arguments> cases = new ArrayList<>();
        for (Endpoint e : ENDPOINTS) {
            for (Caller c : Caller.values()) {
                cases.add(Arguments.of(e, c));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("matrix")
    void eachEndpointAnswersEachCallerAsTheRoleTableSays(Endpoint e, Caller caller) {
        String path = e.path().replace("{job}", jobId);
        String body = e.body() == null ? null : e.body().replace("{job}", jobId);
        Api.Resp r = api.send(e.method(), path, caller.token, body, body == null ? null : "application/json");

        if (e.allowed().equals(OPEN)) {
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        } else if (caller.role == null) {
            assertProblem(r, 401, "unauthenticated");
            assertThat(r.headers().firstValue("WWW-Authenticate")).as("WWW-Authenticate").isPresent();
        } else if (!Set.of(e.allowed().split(" ")).contains(caller.role)) {
            assertProblem(r, 403, "forbidden");
        } else {
            assertThat(r.status()).as(r.toString()).isNotIn(401, 403, 405).isLessThan(500);
            assertThat(r.status() == 404 && r.body().path("detail").asText().startsWith("no such endpoint"))
                    .as("the route exists: " + r).isFalse();
        }
        if (caller.token != null) {
            assertThat(r.raw()).as("the body never echoes the token").doesNotContain(caller.token);
            r.headers().map().forEach((name, values) -> assertThat(values)
                    .as("header " + name + " never echoes the token")
                    .noneMatch(v -> v.contains(caller.token)));
        }
    }

    @Test
    void healthAnswersWithoutAToken() {
        Api.Resp r = api.get("/health", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body().path("status").asText()).isEqualTo("up");
    }

    @ParameterizedTest(name = "scheme \"{0}\"")
    @ValueSource(strings = {"bearer", "BEARER", "Bearer"})
    void theSchemeIsCaseInsensitive(String scheme) {
        HttpResponse<String> r = raw("GET", "/api/v1/jobs", scheme + " " + Api.PRODUCER);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @ParameterizedTest(name = "Authorization: {0}")
    @ValueSource(strings = {"", "Bearer", "Bearer ", "Basic dGVzdDp0ZXN0", "test-admin-token", "Token test-admin-token"})
    void aMalformedAuthorizationHeaderIsUnauthenticated(String header) {
        HttpResponse<String> r = raw("GET", "/api/v1/jobs", header);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/problem+json");
        assertThat(r.body()).contains("\"unauthenticated\"").doesNotContain("test-admin-token");
    }

    @Test
    void anUnknownTokenIsNotEchoedEvenWhenItLooksLikeMarkup() {
        String token = "<script>alert(1)</script>-secret-42";
        Api.Resp r = api.get("/api/v1/jobs", token);
        assertProblem(r, 401, "unauthenticated");
        assertThat(r.raw()).doesNotContain("secret-42").doesNotContain("<script>");
    }

    /** An admin-only GET must stay admin-only however its path is spelled. */
    @ParameterizedTest(name = "GET {0} as producer")
    @ValueSource(strings = {"/prometheus/", "//prometheus", "/./prometheus", "/api/../prometheus",
            "/%70rometheus", "/prometheus?x=1", "/prometheus;x=1", "/PROMETHEUS"})
    void anAdminOnlyPathCannotBeReachedThroughAnotherSpelling(String path) {
        for (String token : new String[] {Api.PRODUCER, Api.WORKER, null}) {
            HttpResponse<String> r = raw("GET", path, token == null ? null : "Bearer " + token);
            assertThat(r.statusCode()).as(path + " with " + token + ": " + r.body()).isIn(400, 401, 403, 404);
            assertThat(r.body()).as(path).doesNotContain("# HELP").doesNotContain("jvm_");
        }
    }

    /**
     * Every route says on itself who may call it. Only Micronaut's management endpoint
     * (/prometheus) declares nothing, and a route that declares nothing is admin-only.
     */
    @Test
    void everyRouteDeclaresItsRoles() {
        Router router = cluster.coordinator(0).context().getBean(Router.class);
        List<String> undeclared = new ArrayList<>();
        List<String> management = new ArrayList<>();
        router.uriRoutes().forEach(route -> {
            AnnotationMetadata declared = route.getAnnotationMetadata();
            String name = route.getHttpMethodName() + " " + route.getUriMatchTemplate();
            if (declared.hasAnnotation(Read.class)) { // a management endpoint's operation
                management.add(name);
                assertThat(AuthFilter.declared(declared)).as(name).containsExactly(Role.ADMIN);
            } else if (!declared.hasDeclaredAnnotation(Allowed.class)
                    && !declared.hasDeclaredAnnotation(Anonymous.class)) {
                undeclared.add(name);
            }
        });
        assertThat(undeclared).as("routes without @Allowed or @Anonymous").isEmpty();
        assertThat(management).as("management routes").contains("GET /prometheus");
        assertThat(AuthFilter.declared(AnnotationMetadata.EMPTY_METADATA)).containsExactly(Role.ADMIN);
    }

    /** A mutating call that is not on the role table's allow-list is admin-only, not open to all. */
    @ParameterizedTest(name = "{0} {1} as producer")
    @MethodSource("unlistedMutations")
    void unlistedMutationsAreAdminOnly(String method, String path) {
        Api.Resp r = api.send(method, path.replace("{job}", jobId), Api.PRODUCER, "{}", "application/json");
        assertProblem(r, 403, "forbidden");
    }

    static Stream<Arguments> unlistedMutations() {
        return Stream.of(
                Arguments.of("DELETE", "/api/v1/jobs/{job}"),
                Arguments.of("PUT", "/api/v1/jobs/{job}"),
                Arguments.of("POST", "/api/v1/jobs/{job}/cancel/"),
                Arguments.of("POST", "/api/v1/jobs/{job}/unknown"),
                Arguments.of("POST", "/api/v1/nothing-here"));
    }

    private static void assertProblem(Api.Resp r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.contentType()).as(r.toString()).startsWith("application/problem+json");
        assertThat(r.code()).as(r.toString()).isEqualTo(code);
        assertThat(r.body().path("status").asInt()).isEqualTo(status);
        assertThat(r.body().path("detail").asText()).isNotBlank();
    }

    private static HttpResponse<String> raw(String method, String path, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.coordinator(0).port() + path))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        try {
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
