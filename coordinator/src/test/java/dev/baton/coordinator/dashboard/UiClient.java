package dev.baton.coordinator.dashboard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The dashboard as a browser without script would use it: a session cookie it keeps, the CSRF
 * token it reads from the last page, forms posted as application/x-www-form-urlencoded with the
 * Origin a browser sends. Redirects are not followed, so a test sees each answer.
 */
final class UiClient {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    final String base;
    String cookie;
    String csrf;

    UiClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** Logs in with {@code token} and reads the CSRF token from the overview; fails the test when refused. */
    static UiClient loggedIn(int port, String token) {
        UiClient ui = new UiClient(port);
        HttpResponse<String> r = ui.post("/ui/login", Map.of("token", token));
        if (r.statusCode() != 303) {
            throw new AssertionError("login answered " + r.statusCode() + ": " + r.body());
        }
        ui.get("/ui");
        return ui;
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), Map.of());
    }

    /** A form post from the dashboard's own origin. */
    HttpResponse<String> post(String path, Map<String, String> form) {
        return post(path, form, Map.of("Origin", base));
    }

    HttpResponse<String> post(String path, Map<String, String> form, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.putIfAbsent("Content-Type", "application/x-www-form-urlencoded");
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(encode(form))), h);
    }

    /** The form with the session's CSRF token added. */
    Map<String, String> withCsrf(Map<String, String> form) {
        Map<String, String> m = new LinkedHashMap<>(form);
        m.put("_csrf", csrf);
        return m;
    }

    HttpResponse<String> send(HttpRequest.Builder b, Map<String, String> headers) {
        headers.forEach(b::header);
        if (cookie != null) {
            b.header("Cookie", SessionCookie.NAME + "=" + cookie);
        }
        try {
            HttpResponse<String> r = CLIENT.send(b.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(SessionCookie.NAME + "="))
                    .forEach(c -> {
                        String v = c.substring(SessionCookie.NAME.length() + 1, c.indexOf(';'));
                        cookie = v.isEmpty() ? null : v;
                    });
            Matcher m = CSRF.matcher(r.body());
            if (m.find()) {
                csrf = m.group(1);
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String encode(Map<String, String> form) {
        return form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }
}
