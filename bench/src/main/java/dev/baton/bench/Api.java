package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The coordinator's HTTP API as the benchmarks drive it: JSON in, JSON out, anything but 2xx throws. */
final class Api {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();

    final String base;
    private final String token;

    Api(String base, String token) {
        this.base = base;
        this.token = token;
    }

    static final class Failed extends RuntimeException {
        final int status;

        Failed(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    boolean healthy() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private JsonNode send(String method, String path, Object body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : Json.write(body)));
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new Failed(r.statusCode(), method + " " + path + " → " + r.statusCode() + " " + r.body());
            }
            return r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + base + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
