package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * No secret reaches a log line: every token this test creates or sends (environment, API-made,
 * unknown, expired, revoked) is looked for in everything the coordinators logged meanwhile, with
 * Baton's loggers at TRACE and Micronaut's HTTP and routing loggers at DEBUG.
 */
class SecretsNotLoggedTest {
    private static final List<String> VERBOSE = List.of("dev.baton", "io.micronaut.http", "io.micronaut.web.router",
            "io.micronaut.context.env");

    @Test
    void noTokenIsEverLogged() {
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(logging);
        captured.start();
        Logger root = logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Map<String, Level> levels = new HashMap<>();
        for (String name : VERBOSE) {
            levels.put(name, logging.getLogger(name).getLevel());
            logging.getLogger(name).setLevel(name.equals("dev.baton") ? Level.TRACE : Level.DEBUG);
        }
        root.addAppender(captured);
        List<String> secrets = new ArrayList<>(List.of(Api.ADMIN, Api.PRODUCER, Api.WORKER, "secret-viewer-token-77"));
        try (TestCluster cluster = TestCluster.start(SecretsNotLoggedTest.class, 2,
                Map.of("BATON_VIEWER_TOKENS", "secret-viewer-token-77"))) {
            Api api = cluster.api(0);
            Api other = cluster.api(1);
            for (String role : List.of("admin", "producer", "worker", "viewer")) {
                Api.Resp made = api.post("/api/v1/tokens", Api.ADMIN, Map.of("name", "logged-" + role, "role", role));
                assertThat(made.status()).as(made.toString()).isEqualTo(201);
                secrets.add(made.body().path("token").asText());
            }
            Api.Resp scoped = api.post("/api/v1/tokens", Api.ADMIN, Map.of("name", "logged-scoped", "role", "worker",
                    "queues", List.of("elsewhere")));
            String scopedToken = scoped.body().path("token").asText();
            secrets.add(scopedToken);
            for (String token : secrets) {
                other.get("/api/v1/jobs", token);
                other.post("/api/v1/jobs", token, Map.of("type", "t", "queue", "logged"));
                other.post("/api/v1/jobs/1/cancel", token, Map.of());
                other.post("/api/v1/claims", token, Map.of("workerId", "w", "queues", List.of("logged")));
            }
            String unknown = "baton_unknown-never-issued-" + System.nanoTime();
            secrets.add(unknown);
            other.get("/api/v1/jobs", unknown);
            other.send("GET", "/api/v1/jobs", null, null, null, Map.of("Authorization", "Basic " + unknown));
            String revoked = secrets.get(secrets.size() - 2); // the scoped one
            api.send("DELETE", "/api/v1/tokens/logged-scoped", Api.ADMIN, null, null);
            assertThat(other.get("/api/v1/jobs", revoked).status()).isEqualTo(401);
            cluster.execute("update api_tokens set expires_at = now() - interval '1 second' where name = 'logged-viewer'");
            assertThat(other.get("/api/v1/jobs", secrets.get(secrets.size() - 3)).status()).isEqualTo(401);
            api.post("/api/v1/jobs", Api.ADMIN, "{not json " + Api.ADMIN);
        } finally {
            root.detachAppender(captured);
            levels.forEach((name, level) -> logging.getLogger(name).setLevel(level));
        }
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : captured.list) {
            StringBuilder text = new StringBuilder(e.getLoggerName()).append(' ').append(e.getFormattedMessage());
            e.getMDCPropertyMap().forEach((k, v) -> text.append(' ').append(k).append('=').append(v));
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                text.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
                for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                    text.append(' ').append(frame.getSTEAsString());
                }
            }
            lines.add(text.toString());
        }
        assertThat(lines).as("something was logged, at DEBUG too").isNotEmpty()
                .anyMatch(l -> l.contains("by logged-admin (admin)"));
        for (String secret : secrets) {
            assertThat(lines).as("no line holds a token").noneMatch(l -> l.contains(secret));
        }
    }
}
