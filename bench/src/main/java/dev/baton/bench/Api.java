package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import dev.baton.worker.Http1;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The coordinator's HTTP API as the benchmarks drive it: JSON in, JSON out, anything but 2xx
 * throws. Over the worker's HTTP/1.1 client: the bench shares the two cores with what it
 * measures, and the JDK's HttpClient would cost about as much CPU per request as the coordinator.
 */
final class Api {
    private static final java.util.concurrent.ConcurrentHashMap<String, Http1> CLIENTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    final String base;
    private final String token;
    private final Http1 http;

    Api(String base, String token) {
        this.base = base;
        this.token = token;
        this.http = CLIENTS.computeIfAbsent(base, b -> new Http1(URI.create(b)));
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
            return http.send("GET", "/health", Map.of(), null, Duration.ofSeconds(10)).status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private JsonNode send(String method, String path, Object body) {
        String json = body == null ? null : body instanceof String s ? s : Json.write(body);
        try {
            Http1.Response r = http.send(method, path, token == null ? Map.of() : Map.of("Authorization", "Bearer " + token),
                    json, Duration.ofSeconds(120));
            if (r.status() / 100 != 2) {
                throw new Failed(r.status(), method + " " + path + " → " + r.status() + " " + r.body());
            }
            return r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + base + path + ": " + e, e);
        }
    }
}
