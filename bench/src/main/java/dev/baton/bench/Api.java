package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import java.io.IOException;

/** The coordinator's HTTP API as the benchmarks drive it: JSON in, JSON out, anything but 2xx throws. */
final class Api {
    private static final java.util.concurrent.ConcurrentHashMap<String, Http1> CLIENTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    final String base;
    private final String token;
    private final Http1 http;

    Api(String base, String token) {
        this.base = base;
        this.token = token;
        this.http = CLIENTS.computeIfAbsent(base, Http1::new);
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
            return http.send("GET", "/health", null, null).status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private JsonNode send(String method, String path, Object body) {
        String json = body == null ? null : body instanceof String s ? s : Json.write(body);
        try {
            Http1.Response r = http.send(method, path, token, json);
            if (r.status() / 100 != 2) {
                throw new Failed(r.status(), method + " " + path + " → " + r.status() + " " + r.body());
            }
            return r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + base + path + ": " + e, e);
        }
    }
}
