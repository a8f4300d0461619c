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
import io.micronaut.web.router.UriRouteInfo;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
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

/**
 * Every route × every kind of caller, against docs/protocol.md "Auth" and "Tokens, scopes and the
 * audit trail", on two coordinators: the API tokens are made and revoked on coordinator 0 and used
 * on coordinator 1. The route list is the router's, so a new route without a row here fails
 * {@link #theTableNamesEveryRouteTheRouterHas}. Every refusal is checked to have changed nothing.
 */
class AuthMatrixTest {
    private static final String UNKNOWN = "not-a-known-token-3f9a";
    private static final String VIEWER_TOKEN = "test-viewer-token";
    private static final String ALL = "admin producer worker viewer";
    private static final String WRITERS = "admin producer worker";
    private static final String WORKERS = "admin worker";
    private static final String READERS = "admin viewer";
    private static final String ADMIN = "admin";
    private static final String OPEN = "open";
    /** The queues the in-scope tokens may use: the fixture's, the enqueue routes' and the claim's. */
    private static final List<String> IN_SCOPE = List.of("auth", "auth-empty", "auth-fixture");
    private static final Map<String, String> TOKENS = new ConcurrentHashMap<>();

    /** Who calls: the token it sends (null: no Authorization header), the role it has, and its scope. */
    enum Caller {
        NO_TOKEN(null, false), UNKNOWN_TOKEN(null, false),
        ADMIN("admin", false), PRODUCER("producer", false), WORKER("worker", false), VIEWER("viewer", false),
        API_ADMIN("admin", false), API_VIEWER("viewer", false),
        WORKER_IN_SCOPE("worker", false), WORKER_OUT_OF_SCOPE("worker", true),
        PRODUCER_IN_SCOPE("producer", false), PRODUCER_OUT_OF_SCOPE("producer", true),
        EXPIRED(null, false), REVOKED(null, false);

        final String role;
        final boolean outOfScope;

        Caller(String role, boolean outOfScope) {
            this.role = role;
            this.outOfScope = outOfScope;
        }

        String token() {
            return switch (this) {
                case NO_TOKEN -> null;
                case UNKNOWN_TOKEN -> UNKNOWN;
                case ADMIN -> Api.ADMIN;
                case PRODUCER -> Api.PRODUCER;
                case WORKER -> Api.WORKER;
                case VIEWER -> VIEWER_TOKEN;
                default -> TOKENS.get(name());
            };
        }
    }

    /** How a route meets queue scopes: not at all, by refusing the request, or by refusing each item. */
    enum Scope { NONE, REQUEST, ITEM }

    /**
     * One route (as the router spells it), the path and a body valid for it, the roles
     * docs/protocol.md allows, and how its queue scope is checked.
     */
    record Endpoint(String method, String route, String path, String body, String allowed, Scope scope) {
        @Override
        public String toString() {
            return method + " " + route;
        }
    }

    // {job} is a queued job of queue auth-fixture, {done} a cancelled one, both made in @BeforeAll.
    // Bodies are valid, so an allowed caller gets a real answer.
    private static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("POST", "/api/v1/jobs", "/api/v1/jobs", "{\"type\":\"auth.t\",\"queue\":\"auth\"}", WRITERS, Scope.REQUEST),
            new Endpoint("POST", "/api/v1/jobs/batch", "/api/v1/jobs/batch",
                    "{\"jobs\":[{\"type\":\"auth.t\",\"queue\":\"auth\"}]}", WRITERS, Scope.REQUEST),
            new Endpoint("GET", "/api/v1/jobs", "/api/v1/jobs", null, ALL, Scope.NONE),
            new Endpoint("GET", "/api/v1/jobs/{id}", "/api/v1/jobs/{job}", null, ALL, Scope.NONE),
            new Endpoint("GET", "/api/v1/jobs/{id}/events", "/api/v1/jobs/{job}/events", null, ALL, Scope.NONE),
            new Endpoint("GET", "/api/v1/jobs/{id}/logs", "/api/v1/jobs/{job}/logs", null, ALL, Scope.NONE),
            new Endpoint("GET", "/api/v1/jobs/{id}/logs/stream", "/api/v1/jobs/{done}/logs/stream", null, ALL, Scope.NONE),
            new Endpoint("POST", "/api/v1/jobs/{id}/cancel", "/api/v1/jobs/{job}/cancel", "{\"reason\":\"auth test\"}", ADMIN, Scope.NONE),
            new Endpoint("POST", "/api/v1/jobs/{id}/retry", "/api/v1/jobs/{job}/retry", "{}", ADMIN, Scope.NONE),
            new Endpoint("PATCH", "/api/v1/jobs/{id}", "/api/v1/jobs/{job}", "{\"expectedVersion\":1,\"priority\":3}", ADMIN, Scope.NONE),
            new Endpoint("POST", "/api/v1/jobs/bulk", "/api/v1/jobs/bulk",
                    "{\"operations\":[{\"id\":\"{job}\",\"action\":\"retry\"}]}", ADMIN, Scope.NONE),
            new Endpoint("POST", "/api/v1/claims", "/api/v1/claims", "{\"workerId\":\"auth-w\",\"queues\":[\"auth-empty\"]}",
                    WORKERS, Scope.REQUEST),
            new Endpoint("POST", "/api/v1/jobs/{id}/heartbeat", "/api/v1/jobs/{job}/heartbeat", "{\"leaseToken\":\"nope\"}",
                    WORKERS, Scope.REQUEST),
            new Endpoint("POST", "/api/v1/jobs/{id}/progress", "/api/v1/jobs/{job}/progress",
                    "{\"leaseToken\":\"nope\",\"expectedVersion\":1,\"current\":1}", WORKERS, Scope.REQUEST),
            new Endpoint("POST", "/api/v1/jobs/{id}/logs", "/api/v1/jobs/{job}/logs",
                    "{\"leaseToken\":\"nope\",\"entries\":[{\"seq\":1,\"level\":\"info\",\"message\":\"m\"}]}", WORKERS, Scope.REQUEST),
            new Endpoint("POST", "/api/v1/jobs/{id}/complete", "/api/v1/jobs/{job}/complete", "{\"leaseToken\":\"nope\",\"result\":{}}",
                    WORKERS, Scope.REQUEST),
            new Endpoint("POST", "/api/v1/jobs/{id}/fail", "/api/v1/jobs/{job}/fail",
                    "{\"leaseToken\":\"nope\",\"error\":{\"message\":\"x\"}}", WORKERS, Scope.REQUEST),
            new Endpoint("POST", "/api/v1/completions", "/api/v1/completions",
                    "{\"items\":[{\"id\":\"{job}\",\"leaseToken\":\"nope\"}]}", WORKERS, Scope.ITEM),
            new Endpoint("GET", "/api/v1/queues", "/api/v1/queues", null, ALL, Scope.NONE),
            new Endpoint("PUT", "/api/v1/queues/{name}", "/api/v1/queues/auth", "{\"paused\":false}", ADMIN, Scope.NONE),
            new Endpoint("GET", "/api/v1/workers", "/api/v1/workers", null, ALL, Scope.NONE),
            new Endpoint("PUT", "/api/v1/schedules/{name}", "/api/v1/schedules/auth",
                    "{\"cron\":\"0 0 0 1 1 *\",\"job\":{\"type\":\"auth.t\"}}", ADMIN, Scope.NONE),
            new Endpoint("GET", "/api/v1/schedules", "/api/v1/schedules", null, READERS, Scope.NONE),
            new Endpoint("GET", "/api/v1/schedules/{name}", "/api/v1/schedules/auth", null, READERS, Scope.NONE),
            new Endpoint("DELETE", "/api/v1/schedules/{name}", "/api/v1/schedules/auth-gone", null, ADMIN, Scope.NONE),
            new Endpoint("POST", "/api/v1/tokens", "/api/v1/tokens", "{\"name\":\"matrix-made\",\"role\":\"viewer\"}", ADMIN,
                    Scope.NONE),
            new Endpoint("GET", "/api/v1/tokens", "/api/v1/tokens", null, ADMIN, Scope.NONE),
            new Endpoint("DELETE", "/api/v1/tokens/{name}", "/api/v1/tokens/no-such-token", null, ADMIN, Scope.NONE),
            new Endpoint("GET", "/api/v1/audit", "/api/v1/audit", null, READERS, Scope.NONE),
            new Endpoint("GET", "/prometheus", "/prometheus", null, ADMIN, Scope.NONE),
            new Endpoint("GET", "/openapi.yaml", "/openapi.yaml", null, OPEN, Scope.NONE),
            new Endpoint("GET", "/health", "/health", null, OPEN, Scope.NONE),
            new Endpoint("GET", "/health/live", "/health/live", null, OPEN, Scope.NONE),
            new Endpoint("GET", "/health/ready", "/health/ready", null, OPEN, Scope.NONE));

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    static TestCluster cluster;
    static Api api;
    static String jobId;
    static String doneId;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(AuthMatrixTest.class, 2, Map.of("BATON_VIEWER_TOKENS", VIEWER_TOKEN));
        Api maker = cluster.api(0);
        api = cluster.api(1);
        Api.Resp r = maker.post("/api/v1/jobs", Api.ADMIN, Map.of("type", "auth.fixture", "queue", "auth-fixture"));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        jobId = r.body().path("id").asText();
        r = maker.post("/api/v1/jobs", Api.ADMIN, Map.of("type", "auth.fixture", "queue", "auth-fixture"));
        doneId = r.body().path("id").asText();
        assertThat(maker.post("/api/v1/jobs/" + doneId + "/cancel", Api.ADMIN, Map.of()).status()).isEqualTo(200);
        token(maker, Caller.API_ADMIN, Map.of("role", "admin"));
        token(maker, Caller.API_VIEWER, Map.of("role", "viewer"));
        token(maker, Caller.WORKER_IN_SCOPE, Map.of("role", "worker", "queues", IN_SCOPE));
        token(maker, Caller.WORKER_OUT_OF_SCOPE, Map.of("role", "worker", "queues", List.of("elsewhere")));
        token(maker, Caller.PRODUCER_IN_SCOPE, Map.of("role", "producer", "queues", IN_SCOPE));
        token(maker, Caller.PRODUCER_OUT_OF_SCOPE, Map.of("role", "producer", "queues", List.of("elsewhere")));
        token(maker, Caller.EXPIRED, Map.of("role", "admin", "expiresAt", Instant.now().plusSeconds(3600).toString()));
        cluster.execute("update api_tokens set expires_at = now() - interval '1 millisecond' where name = ?",
                tokenName(Caller.EXPIRED));
        token(maker, Caller.REVOKED, Map.of("role", "admin"));
        assertThat(api.get("/api/v1/jobs", Caller.REVOKED.token()).status()).as("works before its revoke").isEqualTo(200);
        assertThat(maker.send("DELETE", "/api/v1/tokens/" + tokenName(Caller.REVOKED), Api.ADMIN, null, null).status())
                .isEqualTo(204);
    }

    private static void token(Api maker, Caller caller, Map<String, Object> fields) {
        Map<String, Object> body = new HashMap<>(fields);
        body.put("name", tokenName(caller));
        Api.Resp r = maker.post("/api/v1/tokens", Api.ADMIN, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        TOKENS.put(caller.name(), r.body().path("token").asText());
    }

    private static String tokenName(Caller caller) {
        return "matrix-" + caller.name().toLowerCase(Locale.ROOT).replace('_', '-');
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
        String path = e.path().replace("{job}", jobId).replace("{done}", doneId);
        String body = e.body() == null ? null : e.body().replace("{job}", jobId);
        String token = caller.token();
        String before = stateOfTheDatabase();
        Api.Resp r = api.send(e.method(), path, token, body, body == null ? null : "application/json");

        boolean refused = true;
        if (e.allowed().equals(OPEN)) {
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            refused = false;
        } else if (caller.role == null) {
            assertProblem(r, 401, "unauthenticated");
            assertThat(r.headers().firstValue("WWW-Authenticate")).as("WWW-Authenticate").isPresent();
        } else if (!Set.of(e.allowed().split(" ")).contains(caller.role)) {
            assertProblem(r, 403, "forbidden");
        } else if (caller.outOfScope && e.scope() == Scope.REQUEST) {
            assertProblem(r, 403, "forbidden");
            assertThat(r.body().path("detail").asText()).as(r.toString()).contains("queue '");
        } else if (caller.outOfScope && e.scope() == Scope.ITEM) {
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body().path("items").get(0).path("status").asInt()).as(r.toString()).isEqualTo(403);
            assertThat(r.body().path("items").get(0).path("code").asText()).as(r.toString()).isEqualTo("forbidden");
        } else {
            assertThat(r.status()).as(r.toString()).isNotIn(401, 403, 405).isLessThan(500);
            assertThat(r.status() == 404 && r.body().path("detail").asText().startsWith("no such endpoint"))
                    .as("the route exists: " + r).isFalse();
            if (e.scope() == Scope.ITEM) {
                assertThat(r.body().path("items").get(0).path("status").asInt()).as(r.toString()).isNotEqualTo(403);
            }
            refused = false;
        }
        if (refused) {
            assertThat(stateOfTheDatabase()).as("a refusal changes nothing").isEqualTo(before);
        }
        if (token != null) {
            assertThat(r.raw()).as("the body never echoes the token").doesNotContain(token);
            r.headers().map().forEach((name, values) -> assertThat(values)
                    .as("header " + name + " never echoes the token")
                    .noneMatch(v -> v.contains(token)));
        }
    }

    /** The table above is the router's route list: a route added without a row here fails. */
    @Test
    void theTableNamesEveryRouteTheRouterHas() {
        Set<String> served = new TreeSet<>();
        Router router = cluster.coordinator(1).context().getBean(Router.class);
        router.uriRoutes().map(route -> (UriRouteInfo<?, ?>) route)
                .filter(route -> !route.getHttpMethodName().equals("HEAD")) // Micronaut mirrors every GET
                .filter(route -> !route.getUriMatchTemplate().toString().startsWith("/ui")) // the dashboard: DashboardSecurityTest
                .forEach(route -> served.add(route.getHttpMethodName() + " " + route.getUriMatchTemplate()));
        served.add("GET /prometheus"); // Micronaut's management endpoint, not a controller route
        Set<String> tabled = new TreeSet<>();
        ENDPOINTS.forEach(e -> tabled.add(e.method() + " " + e.route()));
        assertThat(tabled).isEqualTo(served);
    }

    /**
     * What any request could change, leaving out what the coordinators change by themselves (the
     * schedule ticker's jobs go to the default queue, its bookkeeping to the schedules table,
     * whose every change by a request is in the audit trail).
     */
    private static String stateOfTheDatabase() {
        try (Connection c = cluster.sql(); PreparedStatement ps = c.prepareStatement("""
                select concat_ws('|',
                    (select count(*) || ':' || coalesce(sum(version), 0) || ':' || coalesce(max(updated_at)::text, '')
                       from jobs where queue like 'auth%' or queue = 'elsewhere'),
                    (select count(*) from job_events e join jobs j on j.id = e.job_id
                      where j.queue like 'auth%' or j.queue = 'elsewhere'),
                    (select count(*) from job_logs),
                    (select count(*) || ':' || coalesce(max(id), 0) from audit),
                    (select count(*) || ':' || coalesce(string_agg(name || ':' || coalesce(expires_at::text, ''), ','
                       order by name), '') from api_tokens),
                    (select coalesce(string_agg(name || ':' || paused || ':' || coalesce(max_running, -1) || ':'
                       || coalesce(rate_per_second, -1) || ':' || updated_at, ',' order by name), '') from queues),
                    (select count(*) from schedules),
                    (select count(*) from idempotency_keys))""");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException ex) {
            throw new IllegalStateException(ex);
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

    @Test
    void aViewerEnvironmentTokenReadsButChangesNothing() {
        assertThat(api.get("/api/v1/schedules", VIEWER_TOKEN).status()).isEqualTo(200);
        assertProblem(api.put("/api/v1/queues/auth", VIEWER_TOKEN, Map.of("paused", true)), 403, "forbidden");
    }

    /**
     * Every route says on itself who may call it. Only Micronaut's management endpoint
     * (/prometheus) declares nothing, and a route that declares nothing is admin-only.
     */
    @Test
    void everyRouteDeclaresItsRoles() {
        Router router = cluster.coordinator(1).context().getBean(Router.class);
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
