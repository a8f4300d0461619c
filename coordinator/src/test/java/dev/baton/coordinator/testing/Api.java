package dev.baton.coordinator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.baton.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * A plain HTTP (or HTTPS, {@link #https}) client for black-box tests: what a worker in any language would send. Every answer
 * it receives is checked against the served OpenAPI document ({@link OpenApiCheck}); a mismatch
 * fails the test that made the call.
 */
public final class Api {
    public static final String ADMIN = "test-admin-token";
    public static final String PRODUCER = "test-producer-token";
    public static final String WORKER = "test-worker-token";
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

    private final String base;
    private final boolean checked;
    private final HttpClient client;

    public Api(int port) {
        this("http://127.0.0.1:" + port, true, CLIENT);
    }

    private Api(String base, boolean checked, HttpClient client) {
        this.base = base;
        this.checked = checked;
        this.client = client;
    }

    /**
     * The same client over HTTPS to {@code host}:{@code port} ({@code host} is what the server's
     * certificate is checked against), trusting and presenting what {@code tls} holds.
     */
    public static Api https(String host, int port, SSLContext tls) {
        return new Api("https://" + host + ":" + port, true, HttpClient.newBuilder().sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build());
    }

    /**
     * The same client without the document check, for the one kind of test that needs it: one that
     * reads back a row it planted with SQL and that no request could have written (a time past year
     * 9999 is no RFC 3339 time, so its answer cannot match the document).
     */
    public Api unchecked() {
        return new Api(base, false, client);
    }

    public record Resp(int status, JsonNode body, HttpHeaders headers, String raw) {
        public String contentType() {
            return headers.firstValue("content-type").orElse("");
        }

        public String code() {
            return body.path("code").asText(null);
        }

        @Override
        public String toString() {
            return status + " " + raw;
        }
    }

    public Resp get(String path, String token) {
        return send("GET", path, token, null, null);
    }

    public Resp post(String path, String token, Object body) {
        return send("POST", path, token, body, "application/json");
    }

    public Resp put(String path, String token, Object body) {
        return send("PUT", path, token, body, "application/json");
    }

    public Resp patch(String path, String token, Object body) {
        return send("PATCH", path, token, body, "application/json");
    }

    /** {@code body} may be a String (sent as is) or anything Jackson writes. */
    public Resp send(String method, String path, String token, Object body, String contentType) {
        return send(method, path, token, body, contentType, Map.of());
    }

    /** As {@link #send(String, String, String, Object, String)}, with extra request headers. */
    public Resp send(String method, String path, String token, Object body, String contentType,
                     Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90));
        headers.forEach(b::header);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        String text = body == null ? null : body instanceof String s ? s : Json.write(body);
        b.method(method, text == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = r.body().isEmpty() ? MissingNode.getInstance() : Json.mapper().readTree(r.body());
            } catch (IOException e) {
                json = MissingNode.getInstance();
            }
            if (checked) {
                OpenApiCheck.check(method, path, r.statusCode(), r.headers(), r.body());
            }
            if (r.statusCode() == 201 && path.startsWith("/api/v1/tokens")) {
                Secrets.seen(json.path("token").asText(null));
            }
            return new Resp(r.statusCode(), json, r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
