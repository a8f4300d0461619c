package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A stop does not wait on a log stream that would never end by itself: the stream ends, the stop is in time. */
class GracefulStopTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(GracefulStopTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void anOpenLogStreamEndsAndTheStopIsInTime() throws Exception {
        Coordinator stopping = cluster.addCoordinator(Map.of("BATON_SHUTDOWN_TIMEOUT_MS", "20000"));
        Api api = new Api(stopping.port());
        String id = Jobs.enqueue(api, "followed", Map.of()).path("id").asText();
        Jobs.claimOne(api, "followed", 60_000); // running: its log stream stays open
        HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + stopping.port() + "/api/v1/jobs/" + id + "/logs/stream"))
                        .header("Authorization", "Bearer " + Api.ADMIN).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        assertThat(lines.readLine()).as("the stream's opening comment").startsWith(":");

        var stopped = java.util.concurrent.CompletableFuture.supplyAsync(stopping::stop);

        String line;
        StringBuilder rest = new StringBuilder();
        while ((line = lines.readLine()) != null) { // ends when the coordinator ends the stream
            rest.append(line).append('\n');
        }
        assertThat(rest.toString()).doesNotContain("event: end");
        assertThat(stopped.get(30, TimeUnit.SECONDS)).as("stopped within the bound, nothing cut off").isTrue();
    }
}
