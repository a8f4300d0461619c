package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Content negotiation on every route: a generated client sends {@code Accept:
 * application/problem+json} (the type of the errors it declares) even where the answer is
 * empty, text or an event stream, and must be served; so must {@code *}{@code /*}; a type no
 * route produces is 406 {@code not_acceptable}, whose problem says 406 too.
 */
class AcceptTest {
    /** One route, with a valid body for it; {job} is a queued job, {done} a cancelled one. */
    record Route(String method, String path, String body) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static final List<Route> ROUTES = List.of(
            new Route("POST", "/api/v1/jobs", "{\"type\":\"accept.t\",\"queue\":\"accept\"}"),
            new Route("POST", "/api/v1/jobs/batch", "{\"jobs\":[{\"type\":\"accept.t\",\"queue\":\"accept\"}]}"),
            new Route("GET", "/api/v1/jobs", null),
            new Route("GET", "/api/v1/jobs/{job}", null),
            new Route("GET", "/api/v1/jobs/{job}/events", null),
            new Route("PATCH", "/api/v1/jobs/{job}", "{\"priority\":3}"),
            new Route("POST", "/api/v1/jobs/{done}/cancel", "{}"),
            new Route("POST", "/api/v1/jobs/{job}/retry", "{}"),
            new Route("POST", "/api/v1/jobs/bulk", "{\"operations\":[{\"id\":\"{job}\",\"action\":\"retry\"}]}"),
            new Route("POST", "/api/v1/claims", "{\"workerId\":\"accept-w\",\"queues\":[\"accept-empty\"]}"),
            new Route("POST", "/api/v1/jobs/{job}/heartbeat", "{\"leaseToken\":\"nope\"}"),
            new Route("POST", "/api/v1/jobs/{job}/progress", "{\"leaseToken\":\"nope\",\"current\":1}"),
            new Route("POST", "/api/v1/jobs/{job}/logs", "{\"leaseToken\":\"nope\",\"entries\":[]}"),
            new Route("GET", "/api/v1/jobs/{done}/logs", null),
            new Route("GET", "/api/v1/jobs/{done}/logs/stream", null),
            new Route("POST", "/api/v1/jobs/{job}/complete", "{\"leaseToken\":\"nope\",\"result\":{}}"),
            new Route("POST", "/api/v1/jobs/{job}/fail", "{\"leaseToken\":\"nope\",\"error\":{\"message\":\"x\"}}"),
            new Route("POST", "/api/v1/completions", "{\"items\":[{\"id\":\"{job}\",\"leaseToken\":\"nope\"}]}"),
            new Route("GET", "/api/v1/queues", null),
            new Route("PUT", "/api/v1/queues/accept", "{\"paused\":false}"),
            new Route("GET", "/api/v1/workers", null),
            new Route("PUT", "/api/v1/schedules/accept", "{\"cron\":\"0 0 0 1 1 *\",\"job\":{\"type\":\"accept.t\"}}"),
            new Route("GET", "/api/v1/schedules", null),
            new Route("GET", "/api/v1/schedules/accept", null),
            new Route("DELETE", "/api/v1/schedules/accept-gone", null),
            new Route("GET", "/prometheus", null),
            new Route("GET", "/health", null),
            new Route("GET", "/health/live", null),
            new Route("GET", "/health/ready", null),
            new Route("GET", "/openapi.yaml", null));

    static TestCluster cluster;
    static Api api;
    static String job;
    static String done;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(AcceptTest.class, 1);
        api = cluster.api();
        job = Jobs.enqueue(api, "accept-fixture", Map.of()).path("id").asText();
        done = Jobs.enqueue(api, "accept-fixture", Map.of()).path("id").asText();
        assertThat(api.post("/api/v1/jobs/" + done + "/cancel", Api.ADMIN, Map.of()).status()).isEqualTo(200);
        // The schedule DELETE removes: one to remove on every call that expects it to exist.
        assertThat(api.put("/api/v1/schedules/accept-gone", Api.ADMIN,
                Map.of("cron", "0 0 0 1 1 *", "job", Map.of("type", "accept.t"))).status()).isIn(200, 201);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static Stream<Arguments> servable() {
        List<Arguments> cases = new ArrayList<>();
        for (Route r : ROUTES) {
            for (String accept : new String[] {"application/problem+json", "*/*",
                    "application/problem+json, application/json", "text/html, */*;q=0.8"}) {
                cases.add(Arguments.of(r, accept));
            }
        }
        return cases.stream();
    }

    /** Before, a route that produces no JSON (DELETE's 204, /prometheus, the stream) was 406 to such a client. */
    @ParameterizedTest(name = "{0} with Accept: {1}")
    @MethodSource("servable")
    void problemJsonAndAnythingAreServedEverywhere(Route route, String accept) {
        Api.Resp r = send(route, accept);
        assertThat(r.status()).as(r.toString()).isNotEqualTo(406).isLessThan(500);
        assertStatusAgrees(r);
    }

    /** Before, the body of this 406 said status 400, invalid_request. */
    @ParameterizedTest(name = "{0} with Accept: image/png")
    @MethodSource("routes")
    void aTypeNoRouteProducesIsNotAcceptable(Route route) {
        Api.Resp r = send(route, "image/png");
        assertThat(r.status()).as(r.toString()).isEqualTo(406);
        assertThat(r.contentType()).as(r.toString()).startsWith("application/problem+json");
        assertThat(r.code()).as(r.toString()).isEqualTo("not_acceptable");
        assertThat(r.body().path("status").asInt()).as(r.toString()).isEqualTo(406);
        assertThat(r.body().path("detail").asText()).as(r.toString()).contains("image/png");
    }

    static Stream<Route> routes() {
        return ROUTES.stream();
    }

    /** Whatever status the framework picks (404, 405, 415, 406), the problem's status is the same. */
    @Test
    void everyFrameworkRefusalSaysItsOwnStatus() {
        List<Api.Resp> refusals = List.of(
                api.send("GET", "/api/v1/nothing-here", Api.ADMIN, null, null),
                api.send("DELETE", "/api/v1/queues", Api.ADMIN, null, null),
                api.send("POST", "/api/v1/jobs", Api.ADMIN, "{\"type\":\"t\"}", "text/plain"),
                api.send("GET", "/api/v1/queues", Api.ADMIN, null, null, Map.of("Accept", "text/csv")));
        for (Api.Resp r : refusals) {
            assertThat(r.status()).as(r.toString()).isBetween(400, 499);
            assertStatusAgrees(r);
            assertThat(r.code()).as(r.toString()).isNotEqualTo("invalid_request");
        }
    }

    @Test
    void eachRouteServesItsOwnType() {
        for (String[] route : new String[][] {{"/openapi.yaml", "application/yaml"},
                {"/prometheus", "text/plain"}, {"/api/v1/queues", "application/json"}}) {
            Api.Resp r = api.send("GET", route[0], Api.ADMIN, null, null, Map.of("Accept", route[1]));
            assertThat(r.status()).as(route[0] + ": " + r).isEqualTo(200);
            assertThat(r.contentType()).as(route[0]).startsWith(route[1]);
        }
    }

    /**
     * The Accept a generated client sends must not cost the request its body. Before, the request
     * widened for it lost its body on the way to the controller: POST /jobs saw {} and was 400.
     */
    @ParameterizedTest(name = "Accept: {0}")
    @ValueSource(strings = {"application/problem+json", "application/*",
            "application/problem+json, application/json"})
    void aWidenedAcceptKeepsTheBody(String accept) {
        Api.Resp r = api.send("POST", "/api/v1/jobs", Api.ADMIN, "{\"type\":\"accept.body\",\"queue\":\"accept\"}",
                "application/json", Map.of("Accept", accept));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.body().path("type").asText()).as(r.toString()).isEqualTo("accept.body");
    }

    /** q=0 says "not this type" (RFC 9110 §12.4.2); before, the router served exactly that type. */
    @Test
    void aTypeWithQualityZeroIsRefused() {
        for (String accept : new String[] {"application/json;q=0", "*/*;q=0", "application/problem+json;q=0"}) {
            Api.Resp r = api.send("GET", "/api/v1/queues", Api.ADMIN, null, null, Map.of("Accept", accept));
            assertThat(r.status()).as(accept + ": " + r).isEqualTo(406);
            assertThat(r.code()).as(r.toString()).isEqualTo("not_acceptable");
            assertStatusAgrees(r);
        }
        Api.Resp png = api.send("GET", "/api/v1/queues", Api.ADMIN, null, null,
                Map.of("Accept", "application/problem+json;q=0, image/png"));
        assertThat(png.status()).as(png.toString()).isEqualTo(406);
        Api.Resp json = api.send("GET", "/api/v1/queues", Api.ADMIN, null, null,
                Map.of("Accept", "text/html;q=0, application/json"));
        assertThat(json.status()).as(json.toString()).isEqualTo(200);
    }

    /** Before, the router matched Accept by exact type: application/* was 406 on a JSON route. */
    @Test
    void aTypeRangeCoversTheTypesOfItsKind() {
        for (String[] route : new String[][] {{"/openapi.yaml", "application/*", "application/yaml"},
                {"/prometheus", "text/*", "text/plain"}, {"/api/v1/queues", "application/*", "application/json"},
                {"/api/v1/queues", "application/*;q=0.5", "application/json"},
                {"/api/v1/jobs/" + done + "/logs/stream", "text/*", "text/event-stream"}}) {
            Api.Resp r = api.send("GET", route[0], Api.ADMIN, null, null, Map.of("Accept", route[1]));
            assertThat(r.status()).as(route[0] + " with " + route[1] + ": " + r).isEqualTo(200);
            assertThat(r.contentType()).as(route[0]).startsWith(route[2]);
        }
        Api.Resp other = api.send("GET", "/api/v1/queues", Api.ADMIN, null, null, Map.of("Accept", "text/*"));
        assertThat(other.status()).as(other.toString()).isEqualTo(406);
        assertStatusAgrees(other);
    }

    private static void assertStatusAgrees(Api.Resp r) {
        if (r.contentType().startsWith("application/problem+json")) {
            assertThat(r.body().path("status").asInt()).as(r.toString()).isEqualTo(r.status());
        }
    }

    private static Api.Resp send(Route route, String accept) {
        String path = route.path().replace("{job}", job).replace("{done}", done);
        String body = route.body() == null ? null : route.body().replace("{job}", job);
        return api.send(route.method(), path, Api.ADMIN, body, body == null ? null : "application/json",
                Map.of("Accept", accept));
    }
}
