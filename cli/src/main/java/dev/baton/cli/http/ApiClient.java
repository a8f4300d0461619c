package dev.baton.cli.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Failures;
import dev.baton.cli.config.Target;
import dev.baton.common.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * docs/protocol.md's admin API over HTTP: JSON in and out, every refusal an {@link ApiError}, a
 * coordinator that cannot be reached a {@link CliException} with {@link ExitCodes#UNAVAILABLE}.
 */
public final class ApiClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /**
     * Bodies leave absent fields out rather than sending them as null: the coordinator refuses an
     * explicit {@code "payload": null} in a PATCH (or a bulk's {@code changes}), where absent means "unchanged".
     */
    private static final ObjectWriter BODIES = Json.mapper().copy()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL).writer();
    private final Target target;
    private final HttpClient http;

    public ApiClient(Target target) {
        this.target = target;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** An answer the coordinator gave with a 2xx status. */
    public record Answer(int status, HttpHeaders headers, JsonNode body) {
        public boolean header(String name, String value) {
            return headers.firstValue(name).map(value::equalsIgnoreCase).orElse(false);
        }
    }

    public JsonNode get(String path) {
        return send("GET", path, null, Map.of()).body();
    }

    public Answer post(String path, Object body) {
        return send("POST", path, body, Map.of());
    }

    public Answer send(String method, String path, Object body, Map<String, String> headers) {
        HttpRequest request = request(path, headers).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(write(body)))
                .header("Accept", "application/json")
                .build();
        HttpResponse<String> r = exchange(method + " " + path, request, HttpResponse.BodyHandlers.ofString());
        JsonNode json = parse(r.body());
        if (r.statusCode() >= 300) {
            throw new ApiError(method + " " + path, r.statusCode(), json);
        }
        if (json == null) {
            throw new CliException(ExitCodes.FAILED, method + " " + path + ": the answer was not JSON (is "
                    + shown(target.url()) + " a Baton coordinator?)");
        }
        return new Answer(r.statusCode(), r.headers(), json);
    }

    /** A Server-Sent Events message: its {@code event} (null: a plain message), {@code id} and {@code data}. */
    public record SseEvent(String event, String id, String data) {
    }

    /**
     * Reads the Server-Sent Events of {@code path} and hands each message to {@code onEvent} until the
     * server ends the stream. {@code lastEventId} resumes after that id (null: from the start).
     */
    public void stream(String path, String lastEventId, Consumer<SseEvent> onEvent) {
        HttpRequest.Builder b = request(path, lastEventId == null ? Map.of() : Map.of("Last-Event-ID", lastEventId))
                .header("Accept", "text/event-stream").GET();
        HttpResponse<InputStream> r = exchange("GET " + path, b.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body();
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            if (r.statusCode() >= 300) {
                JsonNode problem = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                throw new ApiError("GET " + path, r.statusCode(), problem == null ? MissingNode.getInstance() : problem);
            }
            String event = null;
            String id = null;
            StringBuilder data = null;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isEmpty()) {
                    if (data != null || event != null) {
                        onEvent.accept(new SseEvent(event, id, data == null ? "" : data.toString()));
                    }
                    event = null;
                    id = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    continue; // a keep-alive
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "event" -> event = value;
                        case "id" -> id = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, "the stream from " + shown(target.url()) + " broke: " + Failures.reason(e), e);
        }
    }

    /** {@code path?name=value&…}, each value encoded; null values are left out, a list repeats its name. */
    public static String query(String path, Map<String, ?> params) {
        StringBuilder sb = new StringBuilder(path);
        char sep = path.contains("?") ? '&' : '?';
        for (Map.Entry<String, ?> e : params.entrySet()) {
            List<?> values = e.getValue() instanceof List<?> l ? l : e.getValue() == null ? List.of() : List.of(e.getValue());
            for (Object v : values) {
                sb.append(sep).append(e.getKey()).append('=').append(encode(String.valueOf(v)));
                sep = '&';
            }
        }
        return sb.toString();
    }

    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target.url() + path))
                .header("User-Agent", "baton-cli");
        if (target.token() != null) {
            b.header("Authorization", "Bearer " + target.token());
        }
        headers.forEach(b::header);
        return b;
    }

    private <T> HttpResponse<T> exchange(String what, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (ConnectException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, what + ": cannot connect to " + shown(target.url()) + ": "
                    + Failures.reason(e), e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, what + ": no answer from " + shown(target.url()) + ": "
                    + Failures.reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.INTERRUPTED, what + ": interrupted", e);
        }
    }

    private static String write(Object body) {
        try {
            return BODIES.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + body.getClass().getSimpleName(), e);
        }
    }

    /** The body as JSON: missing when there is none, null when it is not JSON. */
    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return Json.mapper().readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code url} without its user information: a password in BATON_URL is never printed (hostile review, defect 4). */
    static String shown(URI url) {
        return Target.withoutUserInfo(url.toString());
    }
}
