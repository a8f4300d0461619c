package dev.baton.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.auth.Tokens;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.CapturedLogs;
import dev.baton.coordinator.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's security properties over plain HTTP, on two coordinators sharing one database
 * (a session opened on one is accepted by the other): login, the cookie, sessions in the
 * database, CSRF and origin checks, the read-only roles, the headers on every answer, and no
 * request answered with a 500. DashboardBrowserTest checks the same in a real browser.
 */
class DashboardSecurityTest {
    static final String VIEWER = "test-viewer-token";
    private static TestCluster cluster;
    private static int port;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(DashboardSecurityTest.class, 2, Map.of("BATON_VIEWER_TOKENS", VIEWER));
        port = cluster.coordinator(0).port();
        cluster.api().put("/api/v1/queues/sec", Api.ADMIN, Map.of("paused", false));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aWrongTokenIsRefusedWithAMessageAndNoSession() {
        UiClient ui = new UiClient(port);
        long before = sessions();
        HttpResponse<String> r;
        try (CapturedLogs logs = CapturedLogs.of(UiHeaders.class)) {
            r = ui.post("/ui/login", Map.of("token", "not-a-token"));
            // a failed login leaves one line, as the API's refusals do (and never the token)
            assertThat(logs.events()).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
                    .isEqualTo("refused POST /ui/login (dashboard) from 127.0.0.1: 401"));
        }
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("That token was not accepted");
        assertThat(r.headers().allValues("Set-Cookie")).isEmpty();
        assertThat(sessions()).isEqualTo(before);
    }

    @Test
    void loginOpensASessionKeptAsHashesInTheDatabaseWithAStrictCookie() {
        UiClient ui = new UiClient(port);
        HttpResponse<String> r = ui.post("/ui/login", Map.of("token", Api.ADMIN));
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).contains("/ui");
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict").contains("Path=/ui")
                .doesNotContain("Secure").doesNotContain("Max-Age");
        assertThat(ui.cookie).hasSize(43);
        assertThat(cluster.queryLong("select count(*) from dashboard_sessions where id_hash = ?",
                (Object) Tokens.hash(ui.cookie))).isEqualTo(1);
        assertThat(cluster.queryLong("select count(*) from dashboard_sessions s where strpos(s::text, ?) > 0",
                ui.cookie)).as("the session id is kept only as its hash").isZero();
        assertThat(cluster.queryLong("select count(*) from dashboard_sessions s where strpos(s::text, ?) > 0",
                Api.ADMIN)).as("the token is kept only as its hash").isZero();
        UiClient other = new UiClient(cluster.coordinator(1).port());
        other.cookie = ui.cookie;
        assertThat(other.get("/ui").statusCode()).as("another coordinator accepts the session").isEqualTo(200);
    }

    @Test
    void withoutASessionAPageGoesToTheLoginAndAChangeIsRefused() {
        UiClient ui = new UiClient(port);
        HttpResponse<String> r = ui.get("/ui/jobs");
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).contains("/ui/login");
        ui.cookie = "A".repeat(43);
        assertThat(ui.get("/ui").statusCode()).as("a forged session id").isEqualTo(303);
        HttpResponse<String> change = ui.post("/ui/queues/pause", Map.of("queue", "sec", "_csrf", "x"));
        assertThat(change.statusCode()).isEqualTo(403);
        assertThat(change.body()).contains("log in again");
        assertThat(paused("sec")).isFalse();
    }

    @Test
    void queueLimitsAreSetFromAFormThatIsCheckedOnTheServer() {
        UiClient ui = UiClient.loggedIn(port, Api.ADMIN);
        for (Map<String, String> bad : List.of(Map.of("queue", "lim", "maxRunning", "two"),
                Map.of("queue", "lim", "ratePerSecond", "1e999x"), Map.of("queue", "lim", "maxRunning", "-1"),
                Map.of("queue", "lim"), Map.of("maxRunning", "2"))) {
            HttpResponse<String> r = ui.post("/ui/queues/limits", ui.withCsrf(bad));
            assertThat(r.statusCode()).as(bad.toString()).isEqualTo(400);
        }
        assertThat(cluster.queryLong("select count(*) from queues where name = 'lim'")).as("nothing written").isZero();
        HttpResponse<String> ok = ui.post("/ui/queues/limits", ui.withCsrf(Map.of("queue", "lim", "maxRunning", "4",
                "ratePerSecond", "")));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(303);
        assertThat(cluster.queryLong("select max_running from queues where name = 'lim'")).isEqualTo(4);
        UiClient viewer = UiClient.loggedIn(port, VIEWER);
        assertThat(viewer.post("/ui/queues/limits", viewer.withCsrf(Map.of("queue", "lim", "maxRunning", "9")))
                .statusCode()).isEqualTo(403);
        assertThat(cluster.queryLong("select max_running from queues where name = 'lim'")).isEqualTo(4);
    }

    @Test
    void aBulkActionIsCheckedOnTheServerAndRefusedToAViewer() {
        UiClient ui = UiClient.loggedIn(port, Api.ADMIN);
        for (Map<String, String> bad : List.of(Map.of("action", "delete", "job_1", "1"), Map.of("action", "cancel"),
                Map.of("action", "cancel", "job_1", "x"))) {
            assertThat(ui.post("/ui/jobs/bulk/selected", ui.withCsrf(bad)).statusCode()).as(bad.toString()).isEqualTo(400);
        }
        for (Map<String, String> bad : List.of(Map.of("action", "retry", "status", "succeeded"),
                Map.of("action", "retry", "status", "nonsense"), Map.of("action", "cancel", "from", "yesterday"))) {
            assertThat(ui.post("/ui/jobs/bulk/matching", ui.withCsrf(bad)).statusCode()).as(bad.toString()).isEqualTo(400);
        }
        UiClient viewer = UiClient.loggedIn(port, VIEWER);
        assertThat(viewer.post("/ui/jobs/bulk/matching", viewer.withCsrf(Map.of("action", "cancel", "confirm", "yes")))
                .statusCode()).isEqualTo(403);
    }

    @Test
    void aChangeNeedsTheSessionsCsrfToken() {
        UiClient ui = UiClient.loggedIn(port, Api.ADMIN);
        HttpResponse<String> none = ui.post("/ui/queues/pause", Map.of("queue", "sec"));
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.body()).contains("security token");
        assertThat(ui.post("/ui/queues/pause", Map.of("queue", "sec", "_csrf", "x".repeat(43))).statusCode())
                .isEqualTo(403);
        UiClient otherSession = UiClient.loggedIn(port, Api.ADMIN);
        assertThat(ui.post("/ui/queues/pause", Map.of("queue", "sec", "_csrf", otherSession.csrf)).statusCode())
                .as("another session's token").isEqualTo(403);
        assertThat(paused("sec")).isFalse();
        HttpResponse<String> ok = ui.post("/ui/queues/pause", ui.withCsrf(Map.of("queue", "sec")));
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(paused("sec")).isTrue();
        assertThat(ui.post("/ui/queues/resume", Map.of("queue", "sec"), Map.of("Origin", ui.base,
                "X-CSRF-Token", ui.csrf)).statusCode()).as("the token as htmx sends it").isEqualTo(303);
        assertThat(paused("sec")).isFalse();
        assertThat(cluster.queryLong("select count(*) from audit where action = 'queue.update' and target = 'queue:sec' "
                + "and actor = 'env:admin#1'")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aChangeFromAnotherSiteIsRefusedEvenWithTheToken() {
        UiClient ui = UiClient.loggedIn(port, Api.ADMIN);
        Map<String, String> form = ui.withCsrf(Map.of("queue", "sec"));
        for (Map<String, String> headers : List.of(Map.of("Origin", "http://evil.example"),
                Map.of("Origin", "null", "Sec-Fetch-Site", "cross-site"),
                Map.of("Sec-Fetch-Site", "same-site"), Map.of("Origin", "null"))) {
            HttpResponse<String> r = ui.post("/ui/queues/pause", form, headers);
            assertThat(r.statusCode()).as(headers.toString()).isEqualTo(403);
        }
        assertThat(ui.post("/ui/login", Map.of("token", Api.ADMIN), Map.of("Origin", "http://evil.example"))
                .statusCode()).as("no login from another site").isEqualTo(403);
        assertThat(paused("sec")).isFalse();
        assertThat(ui.post("/ui/queues/pause", form, Map.of("Sec-Fetch-Site", "same-origin")).statusCode())
                .as("a browser that names no origin but says the page was ours").isEqualTo(303);
        ui.post("/ui/queues/resume", form);
    }

    @Test
    void aViewerSeesNoActionAndEveryChangeIsRefused() {
        for (String token : List.of(VIEWER, Api.PRODUCER, Api.WORKER)) {
            UiClient ui = UiClient.loggedIn(port, token);
            HttpResponse<String> overview = ui.get("/ui");
            assertThat(overview.statusCode()).isEqualTo(200);
            assertThat(overview.body()).contains("sec").doesNotContain("/ui/queues/pause");
            HttpResponse<String> forged = ui.post("/ui/queues/pause", ui.withCsrf(Map.of("queue", "sec")));
            assertThat(forged.statusCode()).as(token).isEqualTo(403);
            assertThat(forged.body()).contains("change nothing");
            assertThat(paused("sec")).isFalse();
            assertThat(ui.post("/ui/logout", ui.withCsrf(Map.of())).statusCode()).as("but may log out").isEqualTo(303);
        }
    }

    @Test
    void logoutDeletesTheSession() {
        UiClient ui = UiClient.loggedIn(port, Api.ADMIN);
        String id = ui.cookie;
        assertThat(ui.post("/ui/logout", Map.of()).statusCode()).as("logout needs the CSRF token too").isEqualTo(403);
        HttpResponse<String> out = ui.post("/ui/logout", ui.withCsrf(Map.of()));
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(cluster.queryLong("select count(*) from dashboard_sessions where id_hash = ?", (Object) Tokens.hash(id)))
                .isZero();
        UiClient replay = new UiClient(port);
        replay.cookie = id;
        assertThat(replay.get("/ui").statusCode()).isEqualTo(303);
    }

    @Test
    void aRevokedTokenEndsItsSessions() {
        String token = cluster.api().post("/api/v1/tokens", Api.ADMIN, Map.of("name", "ui-admin", "role", "admin"))
                .body().get("token").asText();
        UiClient ui = UiClient.loggedIn(cluster.coordinator(1).port(), token);
        assertThat(ui.get("/ui").statusCode()).isEqualTo(200);
        assertThat(cluster.api().send("DELETE", "/api/v1/tokens/ui-admin", Api.ADMIN, null, null).status()).isEqualTo(204);
        assertThat(ui.get("/ui").statusCode()).isEqualTo(303);
        assertThat(cluster.queryLong("select count(*) from dashboard_sessions where id_hash = ?",
                (Object) Tokens.hash(ui.cookie))).isZero();
    }

    @Test
    void aRefreshThePageMakesByItselfDoesNotKeepTheSessionOpen() {
        UiClient ui = UiClient.loggedIn(port, Api.ADMIN);
        Object id = Tokens.hash(ui.cookie);
        cluster.execute("update dashboard_sessions set last_seen_at = now() - interval '59 minutes' where id_hash = ?", id);
        HttpResponse<String> poll = ui.send(HttpRequest.newBuilder(URI.create(ui.base + "/ui/activity")).GET(),
                Map.of("HX-Request", "true", UiGuard.BACKGROUND, "1"));
        assertThat(poll.statusCode()).as("still live: answered").isEqualTo(200);
        assertThat(poll.body()).contains("id=\"activity\"");
        assertThat(cluster.queryLong("select count(*) from dashboard_sessions where id_hash = ? "
                + "and last_seen_at < now() - interval '58 minutes'", id)).as("not counted as use").isEqualTo(1);
        cluster.execute("update dashboard_sessions set last_seen_at = now() - interval '61 minutes' where id_hash = ?", id);
        HttpResponse<String> late = ui.send(HttpRequest.newBuilder(URI.create(ui.base + "/ui/jobs")).GET(),
                Map.of("HX-Request", "true", UiGuard.BACKGROUND, "1"));
        assertThat(late.headers().firstValue("HX-Redirect")).as("an ended session sends the page to the login")
                .contains("/ui/login");
        UiClient user = UiClient.loggedIn(port, Api.ADMIN);
        cluster.execute("update dashboard_sessions set last_seen_at = now() - interval '59 minutes' where id_hash = ?",
                (Object) Tokens.hash(user.cookie));
        assertThat(user.get("/ui/jobs").statusCode()).isEqualTo(200);
        assertThat(cluster.queryLong("select count(*) from dashboard_sessions where id_hash = ? "
                + "and last_seen_at > now() - interval '1 minute'", (Object) Tokens.hash(user.cookie)))
                .as("what the user opens counts as use").isEqualTo(1);
    }

    @Test
    void aSessionEndsAtItsAbsoluteLimitAndWhenIdle() {
        UiClient ui = UiClient.loggedIn(port, Api.ADMIN);
        cluster.execute("update dashboard_sessions set expires_at = now() - interval '1 second' where id_hash = ?",
                (Object) Tokens.hash(ui.cookie));
        assertThat(ui.get("/ui").statusCode()).isEqualTo(303);
        UiClient idle = UiClient.loggedIn(port, Api.ADMIN);
        cluster.execute("update dashboard_sessions set last_seen_at = now() - interval '61 minutes' where id_hash = ?",
                (Object) Tokens.hash(idle.cookie));
        assertThat(idle.get("/ui").statusCode()).isEqualTo(303);
        UiClient fresh = UiClient.loggedIn(port, Api.ADMIN);
        assertThat(cluster.queryLong("select count(*) from dashboard_sessions where expires_at <= now()"))
                .as("a login clears ended sessions").isZero();
        assertThat(fresh.get("/ui").statusCode()).isEqualTo(200);
    }

    @Test
    void everyAnswerCarriesTheStrictPolicyAndNoneIsA500() {
        UiClient ui = UiClient.loggedIn(port, Api.ADMIN);
        List<HttpResponse<String>> answers = new java.util.ArrayList<>();
        for (String path : List.of("/ui", "/ui/", "/ui/login", "/ui/jobs", "/ui/jobs/abc", "/ui/jobs/0",
                "/ui/jobs/99999999999", "/ui/jobs/99999999999999999999999", "/ui/jobs?status=nope",
                "/ui/jobs?cursor=garbage", "/ui/jobs?q=%7Bbad", "/ui/jobs?q=a%00b", "/ui/jobs?q=nocolon",
                "/ui/jobs/1?logAfter=zz", "/ui/nope", "/ui/static/nope.js", "/ui/static/..%2F..%2Fetc%2Fpasswd",
                "/ui/static/htmx.min.js", "/ui/static/dashboard.css", "/ui/jobs/1?logBefore=zz", "/ui/jobs?in=nowhere&q=a:b",
                "/ui/jobs?in=error&q=type:x", "/ui/jobs?in=result&q=%7B%7D", "/ui/activity", "/ui/jobs/abc/log/stream",
                "/ui/jobs/99999999999/log/stream", "/ui/jobs/1/log/stream?after=zz")) {
            answers.add(ui.get(path));
        }
        answers.add(ui.post("/ui/jobs/1/cancel", ui.withCsrf(Map.of())));
        answers.add(ui.post("/ui/jobs/abc/cancel", ui.withCsrf(Map.of("expectedVersion", "1"))));
        answers.add(ui.post("/ui/jobs/1/edit", ui.withCsrf(Map.of("expectedVersion", "x"))));
        answers.add(ui.post("/ui/queues/pause", ui.withCsrf(Map.of("queue", "bad queue <name>"))));
        answers.add(ui.post("/ui/queues/pause", ui.withCsrf(Map.of())));
        answers.add(ui.post("/ui/login", Map.of()));
        answers.add(ui.send(HttpRequest.newBuilder(URI.create(ui.base + "/ui/queues/pause"))
                .POST(HttpRequest.BodyPublishers.ofString("queue=q%ZZ&_csrf=" + ui.csrf)),
                Map.of("Origin", ui.base, "Content-Type", "application/x-www-form-urlencoded")));
        answers.add(ui.post("/ui/nope", ui.withCsrf(Map.of())));
        // over the request size limit: was a 500 (two handlers for ContentLengthExceededException)
        answers.add(ui.post("/ui/login", Map.of("token", "A".repeat(1_100_000))));
        answers.add(ui.post("/ui/queues/pause", ui.withCsrf(Map.of("queue", "sec")),
                Map.of("Origin", ui.base, "Content-Type", "application/json")));
        answers.add(ui.send(HttpRequest.newBuilder(URI.create(ui.base + "/ui/jobs")).PUT(HttpRequest.BodyPublishers.noBody()),
                Map.of("Origin", ui.base)));
        for (HttpResponse<String> r : answers) {
            String what = r.request().method() + " " + r.uri() + " -> " + r.statusCode();
            assertThat(r.statusCode()).as(what).isLessThan(500);
            assertThat(r.headers().firstValue("Content-Security-Policy")).as(what).contains(UiHeaders.CSP);
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(what).contains("nosniff");
            assertThat(r.headers().firstValue("Referrer-Policy")).as(what).contains("same-origin");
            if (r.statusCode() >= 400) {
                assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("text/html");
                assertThat(r.body()).as(what).contains("<h1>").doesNotContain("\"code\":");
            }
        }
        assertThat(answers.get(4).statusCode()).as("no job 0").isEqualTo(404);
        assertThat(answers.get(14).statusCode()).as("no page").isEqualTo(404);
        assertThat(answers.get(17).headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
    }

    @Test
    void turnedOffNothingIsServedUnderUi() {
        var off = cluster.addCoordinator(Map.of("BATON_DASHBOARD", "off"));
        try {
            Api offApi = new Api(off.port()).unchecked();
            assertThat(offApi.get("/ui/login", null).status()).isEqualTo(401);
            assertThat(offApi.get("/ui/login", Api.ADMIN).status()).isEqualTo(404);
            assertThat(offApi.post("/ui/login", null, Map.of()).status()).isEqualTo(401);
        } finally {
            off.close();
        }
    }

    private static boolean paused(String queue) {
        return cluster.queryLong("select count(*) from queues where name = ? and paused", queue) == 1;
    }

    private static long sessions() {
        return cluster.queryLong("select count(*) from dashboard_sessions");
    }
}
