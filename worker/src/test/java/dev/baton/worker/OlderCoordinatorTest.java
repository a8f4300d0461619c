package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A coordinator from before completions rode on claims refuses the unknown field with 400
 * ({@code completions: unknown field}, as its strict JSON reader words it). The worker must not
 * lose the completions it carried: they go alone, through {@code POST /completions}, and from then
 * on its claims carry nothing. The coordinator here is a scripted HTTP server on a real socket.
 */
class OlderCoordinatorTest {
    @Test
    void completionsRefusedOnAClaimGoAloneAndClaimsStopCarryingThem() throws Exception {
        List<JsonNode> claims = new CopyOnWriteArrayList<>();
        List<JsonNode> completions = new CopyOnWriteArrayList<>();
        AtomicInteger handedOut = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/claims", exchange -> {
            JsonNode body = read(exchange);
            claims.add(body);
            if (body.has("completions")) {
                answer(exchange, 400, Map.of("type", "about:blank", "title", "Bad Request", "status", 400,
                        "code", "invalid_request", "detail", "completions: unknown field",
                        "errors", List.of(Map.of("field", "completions", "message", "unknown field"))));
                return;
            }
            int n = handedOut.getAndIncrement();
            if (n < 3) {
                answer(exchange, 200, Map.of("jobs", List.of(job(n))));
                return;
            }
            sleep(body.path("waitMs").asLong() > 0 ? 200 : 0);
            answer(exchange, 200, Map.of("jobs", List.of()));
        });
        server.createContext("/api/v1/completions", exchange -> {
            JsonNode body = read(exchange);
            completions.add(body);
            List<Map<String, Object>> items = new java.util.ArrayList<>();
            body.path("items").forEach(i -> items.add(Map.of("id", i.path("id").asText(), "status", 200)));
            answer(exchange, 200, Map.of("items", items));
        });
        server.start();
        try (Worker worker = Worker.builder().coordinators("http://127.0.0.1:" + server.getAddress().getPort())
                .token("t").queues("old").concurrency(1).shutdownGrace(Duration.ofSeconds(5))
                .handler("old.echo", ctx -> Map.of("ok", true)).build().start()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (worker.completed() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(worker.completed()).as("jobs whose completion was answered").isEqualTo(3);
            assertThat(worker.completedOnClaims()).isZero();
        } finally {
            server.stop(0);
        }
        List<String> sentAlone = completions.stream().flatMap(c -> stream(c.path("items")))
                .map(i -> i.path("id").asText()).toList();
        assertThat(sentAlone).containsExactlyInAnyOrder("1", "2", "3");
        long carrying = claims.stream().filter(c -> c.has("completions")).count();
        // One slot: the claim loop waits for it, so the first job's completion rides on the next claim.
        assertThat(carrying).as("claims that carried completions before carrying stopped").isEqualTo(1);
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> items = new java.util.ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }

    private static JsonNode job(int n) {
        Instant now = Instant.now();
        Job job = new Job(Integer.toString(n + 1), "old", "old.echo", Json.mapper().createObjectNode(), 0,
                JobStatus.RUNNING, 1, 3, now, now, now, now, null, 2, null, null, null, null, null, Map.of(), 0, null,
                null, null, "lease-" + (n + 1));
        return Json.mapper().valueToTree(job);
    }

    private static JsonNode read(HttpExchange exchange) throws IOException {
        return Json.mapper().readTree(exchange.getRequestBody().readAllBytes());
    }

    private static void answer(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", status == 200 ? "application/json" : "application/problem+json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
