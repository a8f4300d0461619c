package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the move to typed routes (issue 13) must not have changed on the wire. */
class HttpReviewTest {
    static TestCluster cluster;
    static Api api;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(HttpReviewTest.class, 1);
        api = cluster.api();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static String enqueue(String queue) {
        Api.Resp r = api.post("/api/v1/jobs", Api.ADMIN, Map.of("type", "review.t", "queue", queue));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.body().path("id").asText();
    }

    /**
     * In a bulk patch, {@code "payload": null} is refused (400 for its operation) while a payload
     * left out is left as it is: under one Idempotency-Key they are two requests, and the second
     * must be 422, not the first one's stored success.
     */
    @Test
    void aBulkPatchWithPayloadNullIsAnotherRequestThanOneWithoutPayload() {
        String id = enqueue("review-bulk");
        Map<String, String> key = Map.of(Idempotency.HEADER, "review-bulk-null");
        String without = "{\"operations\":[{\"id\":\"" + id + "\",\"action\":\"update\",\"expectedVersion\":1,"
                + "\"changes\":{\"priority\":5}}]}";
        String withNull = "{\"operations\":[{\"id\":\"" + id + "\",\"action\":\"update\",\"expectedVersion\":1,"
                + "\"changes\":{\"priority\":5,\"payload\":null}}]}";

        Api.Resp fresh = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, withNull, "application/json",
                Map.of(Idempotency.HEADER, "review-bulk-null-alone"));
        assertThat(fresh.status() == 400 || fresh.raw().contains("\"failed\":[{"))
                .as("sent alone, payload null is refused: " + fresh).isTrue();

        Api.Resp first = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, without, "application/json", key);
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.raw()).contains("\"failed\":[]");

        Api.Resp second = api.send("POST", "/api/v1/jobs/bulk", Api.ADMIN, withNull, "application/json", key);
        assertThat(second.status()).as(second.toString()).isEqualTo(422);
        assertThat(second.code()).isEqualTo("idempotency_key_reused");
        assertThat(second.headers().firstValue(Idempotency.REPLAYED)).isEmpty();
    }

    /** A resend spelled the same way (fields left out as before) is still the same request. */
    @Test
    void aResendLeavingTheSameFieldsOutIsReplayed() {
        Map<String, String> key = Map.of(Idempotency.HEADER, "review-same");
        String body = "{\"type\":\"review.t\",\"queue\":\"review-same\",\"payload\":{\"b\":null,\"a\":1}}";
        Api.Resp first = api.send("POST", "/api/v1/jobs", Api.PRODUCER, body, "application/json", key);
        Api.Resp again = api.send("POST", "/api/v1/jobs", Api.PRODUCER, " " + body.replace(",", ", "),
                "application/json", key);
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(again.status()).as(again.toString()).isEqualTo(201);
        assertThat(again.raw()).isEqualTo(first.raw());
        assertThat(again.headers().firstValue(Idempotency.REPLAYED)).contains("true");
        Api.Resp other = api.send("POST", "/api/v1/jobs", Api.PRODUCER, body.replace("\"b\":null,", ""),
                "application/json", key);
        assertThat(other.status()).as("a payload without its null key is another payload: " + other).isEqualTo(422);
    }

    /** HEAD answers with the headers its GET would have, Content-Type included (as before typed routes). */
    @Test
    void headAnswersWithTheContentTypeOfItsGet() {
        String id = enqueue("review-head");
        for (String path : new String[] {"/api/v1/jobs", "/api/v1/jobs/" + id, "/api/v1/queues", "/health"}) {
            Api.Resp get = api.get(path, Api.PRODUCER);
            Api.Resp head = api.unchecked().send("HEAD", path, Api.PRODUCER, null, null);
            assertThat(head.status()).as("HEAD " + path + ": " + head).isEqualTo(get.status());
            assertThat(head.headers().firstValue("Content-Type")).as("HEAD " + path)
                    .isEqualTo(get.headers().firstValue("Content-Type"));
        }
    }
}
