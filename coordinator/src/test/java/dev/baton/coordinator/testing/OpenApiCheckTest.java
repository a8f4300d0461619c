package dev.baton.coordinator.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.common.Json;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The check every test response goes through accepts what the coordinator sends and refuses what it must not. */
class OpenApiCheckTest {
    private static final String JOB = """
            {"id":"42","queue":"default","type":"email.send","payload":{"to":"ada"},"priority":0,
             "status":"running","attempt":1,"maxAttempts":5,"runAt":"2026-11-22T10:00:00.123456Z",
             "createdAt":"2026-11-22T10:00:00.123456Z","updatedAt":"2026-11-22T10:00:00.123456Z",
             "startedAt":"2026-11-22T10:00:00.123456Z","finishedAt":null,"version":3,
             "progress":{"current":40,"total":null,"message":null,"updatedAt":"2026-11-22T10:00:01Z"},
             "lease":{"workerId":"w1","expiresAt":"2026-11-22T10:00:30Z"},"result":null,"lastError":null,
             "uniqueKey":null,"labels":{},"timeoutSeconds":3600,
             "backoff":{"initialMs":1000,"factor":2.0,"maxMs":3600000,"jitter":0.1}}""";
    private static final String PROBLEM = """
            {"type":"https://baton.dev/problems/unavailable","title":"Unavailable","status":503,
             "detail":"the database cannot be reached; nothing was written","code":"unavailable"}""";

    private static HttpHeaders headers(Map<String, List<String>> map) {
        return HttpHeaders.of(map, (name, value) -> true);
    }

    private static HttpHeaders json() {
        return headers(Map.of("content-type", List.of("application/json")));
    }

    @Test
    void aJobWithItsNullsMatches() {
        assertThatCode(() -> OpenApiCheck.check("GET", "/api/v1/jobs/42", 200, json(), JOB)).doesNotThrowAnyException();
        String events = """
                {"items":[{"id":"1","at":"2026-11-22T10:00:00Z","type":"enqueued","fromStatus":null,
                  "toStatus":"queued","attempt":0,"workerId":null,"actor":null,"detail":null}]}""";
        assertThatCode(() -> OpenApiCheck.check("GET", "/api/v1/jobs/42/events?limit=5", 200, json(), events))
                .doesNotThrowAnyException();
    }

    /** The job above, changed by {@code change}, as GET /jobs/{id} would answer it: must fail naming {@code field}. */
    private static void refused(Consumer<ObjectNode> change, String field) throws Exception {
        ObjectNode job = (ObjectNode) Json.mapper().readTree(JOB);
        change.accept(job);
        assertThatThrownBy(() -> OpenApiCheck.check("GET", "/api/v1/jobs/42", 200, json(), job.toString()))
                .isInstanceOf(AssertionError.class).hasMessageContaining(field);
    }

    @Test
    void aMissingRequiredFieldIsAMismatch() throws Exception {
        refused(job -> job.remove("version"), "version");
    }

    @Test
    void aNullWhereTheDocumentAllowsNoneIsAMismatch() throws Exception {
        refused(job -> job.putNull("queue"), "queue");
        refused(job -> ((ObjectNode) job.get("lease")).putNull("workerId"), "workerId");
    }

    @Test
    void anUndocumentedFieldIsAMismatch() throws Exception {
        refused(job -> job.put("secret", "x"), "secret");
    }

    @Test
    void aStatusTheRouteDoesNotListIsAMismatchEvenWithADefault() {
        HttpHeaders problem = headers(Map.of("content-type", List.of("application/problem+json")));
        String internal = PROBLEM.replace("503", "500").replace("unavailable", "internal");
        assertThatThrownBy(() -> OpenApiCheck.check("GET", "/api/v1/jobs/42", 500, problem, internal))
                .isInstanceOf(AssertionError.class).hasMessageContaining("status 500 is not documented");
    }

    @Test
    void aWrongContentTypeIsAMismatch() {
        HttpHeaders text = headers(Map.of("content-type", List.of("text/plain")));
        assertThatThrownBy(() -> OpenApiCheck.check("GET", "/api/v1/jobs/42", 200, text, JOB))
                .isInstanceOf(AssertionError.class).hasMessageContaining("ontent");
    }

    @Test
    void a503WithoutRetryAfterIsAMismatch() {
        HttpHeaders without = headers(Map.of("content-type", List.of("application/problem+json")));
        assertThatThrownBy(() -> OpenApiCheck.check("GET", "/api/v1/jobs/42", 503, without, PROBLEM))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Retry-After");
        HttpHeaders with = headers(Map.of("content-type", List.of("application/problem+json"),
                "retry-after", List.of("2")));
        assertThatCode(() -> OpenApiCheck.check("GET", "/api/v1/jobs/42", 503, with, PROBLEM)).doesNotThrowAnyException();
    }

    @Test
    void anUnknownRouteMustBeAProblem404() {
        HttpHeaders problem = headers(Map.of("content-type", List.of("application/problem+json")));
        String notFound = PROBLEM.replace("503", "404").replace("unavailable", "not_found");
        assertThatCode(() -> OpenApiCheck.check("GET", "/api/v1/nothing", 404, problem, notFound))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> OpenApiCheck.check("GET", "/api/v1/nothing", 200, json(), "{}"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("does not name");
    }
}
