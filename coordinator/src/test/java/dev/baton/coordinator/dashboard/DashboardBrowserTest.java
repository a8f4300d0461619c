package dev.baton.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in real headless Chromium against a real coordinator and PostgreSQL, as an
 * operator uses it: log in, the overview, filtering jobs, a job's page, a cancel and an edit that
 * meet a newer version (the conflict dialog), pausing a queue, the viewer role, and values made to
 * run script stored in every place a job carries text. Every page is checked for script that ran
 * ({@code window.__x}) and for Content-Security-Policy violations in the console. Screenshots of
 * each page (1280×800) go to target/dashboard-screenshots, or to the directory
 * {@code -Dbaton.dashboard.screenshots} names (docs/dashboard for the README's).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
    /** Each tries to set window.__x: a script element, an attribute breaking out into an event handler, a URL. */
    static final List<String> XSS = List.of("<script>window.__x=1</script>",
            "\"><img src=x onerror=\"window.__x=1\">", "javascript:window.__x=1");
    private static TestCluster cluster;
    private static Api api;
    private static Browser browser;
    private static String base;
    private static Path shots;
    private static String acmeJob;
    private static String xssJob;

    @BeforeAll
    static void start() throws Exception {
        Browser.requireInstalled();
        cluster = TestCluster.start(DashboardBrowserTest.class, 1, Map.of("BATON_VIEWER_TOKENS", DashboardSecurityTest.VIEWER));
        api = cluster.api();
        base = "http://127.0.0.1:" + cluster.coordinator(0).port();
        shots = Path.of(System.getProperty("baton.dashboard.screenshots", "target/dashboard-screenshots"));
        acmeJob = Jobs.enqueue(api, "mail", Map.of("type", "email.send", "priority", 5,
                "payload", Map.of("customer", "acme", "to", "ops@acme.example", "order", Map.of("id", 7)),
                "labels", Map.of("team", "billing"))).path("id").asText();
        Jobs.enqueue(api, "mail", Map.of("type", "email.send", "payload", Map.of("customer", "globex")));
        Jobs.enqueue(api, "reports", Map.of("type", "report.build", "payload", Map.of("month", "2026-11")));
        seedXss();
        browser = Browser.start();
    }

    /**
     * One job carrying the values in its payload, labels, log lines, last error and (written with
     * SQL, as the API refuses such names) its type and queue; and a queue named after one.
     */
    private static void seedXss() throws Exception {
        Map<String, String> labels = Map.of("a", XSS.get(0), "b", XSS.get(1), "c", XSS.get(2));
        JsonNode job = Jobs.enqueue(api, "xss", Map.of("type", "xss.job", "payload", Map.of("html", XSS.get(0),
                "attr", XSS.get(1), "url", XSS.get(2)), "labels", labels, "maxAttempts", 1));
        xssJob = job.path("id").asText();
        JsonNode claimed = Jobs.claimOne(api, "xss", 60_000);
        String lease = claimed.path("leaseToken").asText();
        List<Map<String, Object>> lines = List.of(Map.of("seq", 1, "level", "info", "message", XSS.get(0)),
                Map.of("seq", 2, "level", "warn", "message", XSS.get(1)),
                Map.of("seq", 3, "level", "error", "message", XSS.get(2)));
        assertThat(api.post("/api/v1/jobs/" + xssJob + "/logs", Api.WORKER, Map.of("leaseToken", lease, "entries", lines))
                .status()).isEqualTo(200);
        assertThat(api.post("/api/v1/jobs/" + xssJob + "/fail", Api.WORKER, Map.of("leaseToken", lease,
                "error", Map.of("message", XSS.get(1), "type", XSS.get(0), "retryable", false))).status()).isEqualTo(200);
        cluster.execute("update jobs set type = ?, queue = ? where id = ?", XSS.get(0), XSS.get(1), Long.parseLong(xssJob));
        cluster.execute("insert into queues (name, paused) values (?, false)", XSS.get(2));
        // A worker whose id is one (the API takes any id up to 200 characters), running a job.
        Jobs.enqueue(api, "xss-run", Map.of("type", "xss.run"));
        Api.Resp claim = api.post("/api/v1/claims", Api.WORKER, Map.of("workerId", XSS.get(1),
                "queues", List.of("xss-run"), "limit", 1, "leaseMs", 600_000));
        assertThat(claim.body().path("jobs")).as(claim.toString()).hasSize(1);
        // A schedule named after one, enqueueing a type and queue that are others (the API refuses these names).
        cluster.execute("insert into schedules (name, cron, timezone, job) values (?, '0 0 3 1 1 *', 'UTC', ?::jsonb)",
                XSS.get(1), dev.baton.common.Json.write(Map.of("queue", XSS.get(2), "type", XSS.get(0),
                        "payload", Map.of("html", XSS.get(0)))));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aWrongTokenShowsAnErrorAndOpensNoSession() {
        open("/ui/jobs");
        assertThat(browser.driver.getCurrentUrl()).endsWith("/ui/login");
        browser.screenshot(shots, "login");
        logIn("not-a-token");
        assertThat(text(By.id("login-error"))).contains("not accepted");
        assertThat(browser.driver.manage().getCookieNamed(SessionCookie.NAME)).isNull();
        assertClean("login");
    }

    @Test
    @Order(2)
    void theOverviewShowsEveryQueue() {
        logIn(Api.ADMIN);
        assertThat(browser.driver.getCurrentUrl()).endsWith("/ui");
        assertThat(browser.driver.manage().getCookieNamed(SessionCookie.NAME).isHttpOnly()).isTrue();
        WebElement mail = browser.driver.findElement(By.cssSelector("tr.queue[data-queue='mail']"));
        assertThat(mail.getText()).contains("mail");
        // Finished counts are seconds old (recounted in the background): a queue holding only a
        // job that failed a moment ago shows once they are recounted.
        waitFor(() -> {
            open("/ui");
            return browser.driver.findElements(By.cssSelector("tr.queue")).size() == 5;
        });
        assertClean("overview");
        browser.screenshot(shots, "overview");
    }

    @Test
    @Order(3)
    void jobsAreFilteredOnTheServer() {
        open("/ui/jobs");
        assertThat(browser.driver.findElements(By.cssSelector("tr.job"))).hasSize(5);
        new Select(browser.driver.findElement(By.id("f-queue"))).selectByValue("mail");
        waitFor(() -> browser.driver.findElements(By.cssSelector("tr.job")).size() == 2);
        browser.driver.findElement(By.id("f-q")).sendKeys("customer:acme");
        browser.driver.findElement(By.id("f-apply")).click();
        waitFor(() -> browser.driver.findElements(By.cssSelector("tr.job")).size() == 1);
        // read in a wait: htmx may swap the rows again (the list refreshes itself) between finding and reading
        waitFor(() -> acmeJob.equals(browser.driver.findElement(By.cssSelector("tr.job")).getAttribute("data-id")));
        waitFor(() -> browser.driver.getCurrentUrl().contains("customer%3Aacme"));
        browser.driver.findElement(By.id("f-q")).clear();
        browser.driver.findElement(By.id("f-q")).sendKeys("{\"order\": {\"id\": 7}}");
        browser.driver.findElement(By.id("f-apply")).click();
        waitFor(() -> browser.driver.findElements(By.cssSelector("tr.job")).size() == 1);
        assertClean("jobs");
        new Select(browser.driver.findElement(By.id("f-queue"))).selectByValue("");
        browser.driver.findElement(By.id("f-q")).clear();
        browser.driver.findElement(By.id("f-apply")).click();
        waitFor(() -> browser.driver.findElements(By.cssSelector("tr.job")).size() == 5);
        browser.screenshot(shots, "jobs");
    }

    @Test
    @Order(4)
    void aJobsPageShowsItsPayloadAndHistory() {
        open("/ui/jobs");
        browser.driver.findElement(By.cssSelector("tr.job[data-id='" + acmeJob + "'] a")).click();
        waitFor(() -> browser.driver.getCurrentUrl().endsWith("/ui/jobs/" + acmeJob));
        assertThat(text(By.id("job-type"))).isEqualTo("email.send");
        assertThat(text(By.id("payload"))).contains("\"customer\" : \"acme\"");
        assertThat(text(By.id("events"))).contains("enqueued");
        assertClean("job");
        browser.screenshot(shots, "job");
    }

    @Test
    @Order(5)
    void aCancelOnAStaleVersionShowsTheConflictAndCanBeReapplied() {
        open("/ui/jobs/" + acmeJob);
        long seen = Long.parseLong(text(By.id("job-version")));
        assertThat(api.patch("/api/v1/jobs/" + acmeJob, Api.ADMIN, Map.of("expectedVersion", seen, "priority", 9))
                .status()).isEqualTo(200);
        browser.driver.findElement(By.id("cancel")).click();
        WebElement dialog = waitForElement(By.id("conflict"));
        assertThat(dialog.getText()).contains("version " + seen).contains("Nothing was changed");
        assertThat(text(By.id("current-version"))).isEqualTo(Long.toString(seen + 1));
        assertThat(text(By.cssSelector("#conflict-fields tr[data-field='priority']"))).contains("changed meanwhile")
                .contains("5").contains("9");
        assertThat(text(By.cssSelector("#conflict-fields tr[data-field='status']"))).doesNotContain("changed meanwhile");
        assertThat(text(By.id("since"))).as("what happened meanwhile").contains("updated").contains("env:admin#1");
        assertThat(Jobs.get(api, acmeJob).path("status").asText()).isEqualTo("queued");
        assertClean("conflict");
        browser.screenshot(shots, "conflict-cancel");
        browser.driver.findElement(By.id("discard")).click();
        waitFor(() -> browser.driver.getCurrentUrl().endsWith("/ui/jobs/" + acmeJob));
        assertThat(Jobs.get(api, acmeJob).path("status").asText()).as("discarded").isEqualTo("queued");
    }

    @Test
    @Order(6)
    void anEditOnAStaleVersionListsFieldByFieldAndReappliesOnlyTheUsersChange() {
        open("/ui/jobs/" + acmeJob);
        long seen = Long.parseLong(text(By.id("job-version")));
        WebElement payload = browser.driver.findElement(By.id("edit-payload"));
        payload.clear();
        payload.sendKeys("{\"customer\": \"acme\", \"to\": \"billing@acme.example\"}");
        assertThat(api.patch("/api/v1/jobs/" + acmeJob, Api.ADMIN, Map.of("expectedVersion", seen, "priority", 3))
                .status()).isEqualTo(200);
        browser.driver.findElement(By.id("edit-save")).click();
        waitForElement(By.id("conflict"));
        WebElement priority = browser.driver.findElement(By.cssSelector("#conflict-fields tr[data-field='priority']"));
        assertThat(priority.getText()).contains("changed meanwhile").contains("3");
        WebElement mine = browser.driver.findElement(By.cssSelector("#conflict-fields tr[data-field='payload']"));
        assertThat(mine.getText()).contains("you changed").contains("billing@acme.example");
        assertThat(Jobs.get(api, acmeJob).path("payload").path("to").asText()).isEqualTo("ops@acme.example");
        assertClean("edit conflict");
        browser.screenshot(shots, "conflict-edit");
        browser.driver.findElement(By.id("edit-save")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("done=edited"));
        JsonNode now = Jobs.get(api, acmeJob);
        assertThat(now.path("payload").path("to").asText()).isEqualTo("billing@acme.example");
        assertThat(now.path("priority").asInt()).as("the other change stays").isEqualTo(3);
        browser.driver.findElement(By.id("cancel")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("done=cancelled"));
        assertThat(Jobs.get(api, acmeJob).path("status").asText()).isEqualTo("cancelled");
    }

    @Test
    @Order(7)
    void aQueueIsPausedAndResumed() {
        open("/ui");
        browser.driver.findElement(By.cssSelector("tr.queue[data-queue='reports'] button.pause")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("done=paused"));
        assertThat(text(By.cssSelector("tr.queue[data-queue='reports']"))).contains("paused");
        assertThat(api.get("/api/v1/queues", Api.ADMIN).body().toString()).contains("\"name\":\"reports\",\"paused\":true");
        assertClean("overview after pause");
        browser.driver.findElement(By.cssSelector("tr.queue[data-queue='reports'] button.pause")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("done=resumed"));
        browser.driver.findElement(By.cssSelector("tr.queue[data-queue='reports'] input[name='maxRunning']")).sendKeys("3");
        browser.driver.findElement(By.cssSelector("tr.queue[data-queue='reports'] input[name='ratePerSecond']"))
                .sendKeys("2.5");
        browser.driver.findElement(By.cssSelector("tr.queue[data-queue='reports'] button.set-limits")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("done=limits"));
        assertThat(text(By.cssSelector("tr.queue[data-queue='reports']"))).contains("3").contains("2.5");
        assertThat(api.get("/api/v1/queues", Api.ADMIN).body().toString())
                .contains("\"name\":\"reports\",\"paused\":false").contains("\"maxRunning\":3,\"ratePerSecond\":2.5");
        assertClean("overview after limits");
    }

    @Test
    @Order(8)
    void noStoredValueRunsAsScriptOnAnyPage() {
        for (String page : List.of("/ui", "/ui/jobs", "/ui/jobs?queue=" + Show.enc(XSS.get(1)),
                "/ui/jobs?label=" + Show.enc("x:" + XSS.get(0)) + "&from=" + Show.enc(XSS.get(1)), "/ui/workers",
                "/ui/schedules", "/ui/enqueue", "/ui/jobs/" + xssJob)) {
            open(page);
            assertThat(browser.driver.executeScript("return typeof window.__x")).as(page).isEqualTo("undefined");
            assertThat(browser.driver.findElements(By.cssSelector("main img"))).as(page).isEmpty();
            assertClean(page);
        }
        assertThat(browser.driver.findElement(By.id("job-type")).getText()).isEqualTo(XSS.get(0));
        assertThat(browser.driver.findElement(By.id("job-queue")).getText()).isEqualTo(XSS.get(1));
        assertThat(browser.driver.findElement(By.id("payload")).getText()).contains("window.__x=1");
        assertThat(browser.driver.findElement(By.id("log")).getText()).contains(XSS.get(0)).contains(XSS.get(2));
        assertThat(browser.driver.findElement(By.id("last-error")).getText()).contains(XSS.get(1));
        assertThat(browser.driver.findElement(By.id("job-labels")).getText()).contains(XSS.get(2));
        browser.screenshot(shots, "job-escaped");
        open("/ui/schedules");
        assertThat(text(By.tagName("main"))).as("schedule name, type and queue shown as text")
                .contains(XSS.get(1)).contains(XSS.get(0));
        waitFor(() -> {
            open("/ui/workers"); // the registry is written in the background of the claim
            return text(By.tagName("main")).contains(XSS.get(1));
        });
        assertThat(browser.driver.findElements(By.cssSelector("main img"))).isEmpty();
        assertClean("a worker id and a schedule that carry markup");
        open("/ui");
        assertThat(text(By.id("failures"))).as("the failure's error type, on the overview").contains(XSS.get(0));
        assertClean("overview failures");
    }

    @Test
    @Order(9)
    void aViewerSeesNoActionAndTheServerRefusesWhatItSends() {
        browser.driver.findElement(By.id("logout")).click();
        waitFor(() -> browser.driver.getCurrentUrl().endsWith("/ui/login"));
        assertThat(browser.driver.manage().getCookieNamed(SessionCookie.NAME)).isNull();
        logIn(DashboardSecurityTest.VIEWER);
        assertThat(text(By.id("role"))).isEqualTo("viewer");
        assertThat(browser.driver.findElements(By.cssSelector("main form"))).isEmpty();
        assertThat(browser.driver.findElements(By.cssSelector("main button"))).isEmpty();
        browser.screenshot(shots, "overview-viewer");
        open("/ui/jobs/" + xssJob);
        assertThat(browser.driver.findElements(By.id("actions"))).isEmpty();
        assertThat(browser.driver.findElements(By.id("edit-form"))).isEmpty();
        assertClean("viewer pages");
        String csrf = browser.driver.findElement(By.name("_csrf")).getAttribute("value");
        Object forged = browser.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/ui/queues/pause', {method: 'POST', body: new URLSearchParams({queue: 'mail', _csrf: arguments[0]})})
                    .then(r => done(r.status), e => done(String(e)));""", csrf);
        assertThat(forged).as("a viewer's forged pause, with its CSRF token").isEqualTo(403L);
        Object noToken = browser.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/ui/jobs/' + arguments[0] + '/retry', {method: 'POST', body: new URLSearchParams({expectedVersion: '1'})})
                    .then(r => done(r.status), e => done(String(e)));""", xssJob);
        assertThat(noToken).as("a post without the CSRF token").isEqualTo(403L);
        assertThat(api.get("/api/v1/queues", Api.ADMIN).body().toString()).doesNotContain("\"name\":\"mail\",\"paused\":true");
        assertThat(Jobs.get(api, xssJob).path("status").asText()).isEqualTo("failed");
    }

    @Test
    @Order(10)
    void aRunningJobsProgressUpdatesOnItsPageWithoutAReload() {
        Jobs.enqueue(api, "live", Map.of("type", "report.build"));
        JsonNode running = Jobs.claimOne(api, "live", 60_000);
        String id = running.path("id").asText();
        String lease = running.path("leaseToken").asText();
        long version = progress(id, lease, running.path("version").asLong(), 1);
        open("/ui/jobs/" + id);
        assertThat(text(By.id("progress-count"))).isEqualTo("1 / 10");
        browser.driver.executeScript("window.__samePage = true");
        progress(id, lease, version, 7);
        waitFor(() -> text(By.id("progress-count")).equals("7 / 10"));
        assertThat(browser.driver.executeScript("return window.__samePage")).as("no reload").isEqualTo(true);
        assertClean("live progress");
    }

    @Test
    @Order(11)
    void theWorkersPageListsEachLiveWorkerWithTheJobsItRuns() {
        Jobs.enqueue(api, "crew", Map.of("type", "video.encode"));
        String id = Jobs.claimOne(api, "crew", 60_000).path("id").asText();
        By runningJob = By.cssSelector("tr.worker[data-worker='test-worker'] a.running-job[data-id='" + id + "']");
        waitFor(() -> {
            open("/ui/workers"); // the registry is written in the background of the claim
            return !browser.driver.findElements(runningJob).isEmpty();
        });
        assertThat(text(By.cssSelector("tr.worker[data-worker='test-worker']"))).contains("crew")
                .contains("video.encode").contains("ago");
        assertClean("workers");
        browser.screenshot(shots, "workers");
        browser.driver.findElement(runningJob).click();
        waitFor(() -> browser.driver.getCurrentUrl().endsWith("/ui/jobs/" + id));
        assertThat(text(By.id("job-type"))).isEqualTo("video.encode");
    }

    @Test
    @Order(12)
    void schedulesAreCreatedCheckedEditedAndDeletedFromTheirPage() {
        browser.driver.findElement(By.id("logout")).click();
        waitFor(() -> browser.driver.getCurrentUrl().endsWith("/ui/login"));
        logIn(Api.ADMIN);
        open("/ui/schedules");
        fillSchedule("nightly-report", "0 0 3 * * *", "Europe/Paris");
        waitFor(() -> browser.driver.getCurrentUrl().contains("done=schedule-created"));
        By row = By.cssSelector("tr.schedule[data-schedule='nightly-report']");
        assertThat(text(row)).contains("at 03:00 every day").contains("Europe/Paris").contains("report.build");
        assertThat(api.get("/api/v1/schedules/nightly-report", Api.ADMIN).status()).isEqualTo(200);
        assertClean("schedules");
        browser.screenshot(shots, "schedules");

        fillSchedule("broken", "0 0 3 * *", "UTC");
        WebElement errors = waitForElement(By.id("schedule-errors"));
        assertThat(errors.getText()).contains("cron");
        assertThat(browser.driver.findElement(By.id("s-name")).getAttribute("value")).as("kept as typed").isEqualTo("broken");
        assertThat(api.get("/api/v1/schedules/broken", Api.ADMIN).status()).isEqualTo(404);

        open("/ui/schedules");
        browser.driver.findElement(By.cssSelector("tr.schedule[data-schedule='nightly-report'] a.edit-schedule")).click();
        waitFor(() -> "0 0 3 * * *".equals(browser.driver.findElement(By.id("s-cron")).getAttribute("value")));
        browser.driver.findElement(By.id("s-cron")).clear();
        browser.driver.findElement(By.id("s-cron")).sendKeys("0 30 9 * * MON-FRI");
        browser.driver.findElement(By.id("s-save")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("done=schedule-saved"));
        assertThat(text(row)).contains("at 09:30, Monday to Friday");

        browser.driver.findElement(By.cssSelector("tr.schedule[data-schedule='nightly-report'] summary")).click();
        browser.driver.findElement(By.cssSelector("tr.schedule[data-schedule='nightly-report'] button.confirm-delete")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("done=schedule-deleted"));
        assertThat(browser.driver.findElements(row)).isEmpty();
        assertThat(api.get("/api/v1/schedules/nightly-report", Api.ADMIN).status()).isEqualTo(404);
    }

    @Test
    @Order(13)
    void aJobIsEnqueuedFromAFormCheckedInTheBrowserAndOnTheServer() {
        open("/ui/enqueue");
        browser.driver.findElement(By.id("e-type")).sendKeys("invoice.send");
        browser.driver.findElement(By.id("e-queue")).clear();
        browser.driver.findElement(By.id("e-queue")).sendKeys("billing");
        WebElement payload = browser.driver.findElement(By.id("e-payload"));
        payload.clear();
        payload.sendKeys("{\"invoice\": 42");
        browser.driver.findElement(By.id("e-runAt")).sendKeys("tomorrow");
        browser.screenshot(shots, "enqueue");
        browser.driver.findElement(By.id("e-submit")).click();
        assertThat((String) browser.driver.executeScript("return document.getElementById('e-payload').validationMessage"))
                .as("stopped in the browser").contains("not valid JSON");
        assertThat(browser.driver.getCurrentUrl()).endsWith("/ui/enqueue");
        payload = browser.driver.findElement(By.id("e-payload"));
        payload.sendKeys("}");
        browser.driver.findElement(By.id("e-submit")).click();
        WebElement errors = waitForElement(By.id("enqueue-errors"));
        assertThat(errors.getText()).as("the server's check").contains("runAt");
        assertThat(browser.driver.findElement(By.id("e-type")).getAttribute("value")).isEqualTo("invoice.send");
        assertThat(api.get("/api/v1/jobs?queue=billing", Api.ADMIN).body().path("items")).isEmpty();
        browser.driver.findElement(By.id("e-runAt")).clear();
        browser.driver.findElement(By.id("e-submit")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("done=enqueued"));
        assertThat(text(By.id("job-type"))).isEqualTo("invoice.send");
        assertThat(text(By.id("job-queue"))).isEqualTo("billing");
        assertThat(text(By.id("payload"))).contains("\"invoice\" : 42");
        assertClean("enqueue");
    }

    @Test
    @Order(14)
    void jobsAreFilteredByLabelAndCreationTime() {
        open("/ui/jobs");
        browser.driver.findElement(By.id("f-label")).sendKeys("team:billing");
        browser.driver.findElement(By.id("f-apply")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("label=team%3Abilling"));
        waitFor(() -> browser.driver.findElements(By.cssSelector("tr.job")).size() == 1);
        waitFor(() -> acmeJob.equals(browser.driver.findElement(By.cssSelector("tr.job")).getAttribute("data-id")));
        open("/ui/jobs?to=2020-01-01T00:00:00Z");
        assertThat(browser.driver.findElements(By.cssSelector("tr.job"))).as("none created before 2020").isEmpty();
        open("/ui/jobs?from=1d&queue=mail");
        assertThat(browser.driver.findElements(By.cssSelector("tr.job"))).hasSize(2);
        open("/ui/jobs?from=yesterday");
        assertThat(browser.driver.findElement(By.tagName("main")).getText()).contains("from").contains("2d");
        assertClean("jobs by label and time");
    }

    @Test
    @Order(15)
    void tickedRowsAndEverythingMatchingAreCancelledAndRetriedInBulk() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(Jobs.enqueue(api, "batch", Map.of("type", "bulk.item")).path("id").asText());
        }
        String a = ids.get(0);
        String b = ids.get(1);
        open("/ui/jobs?queue=batch");
        browser.driver.findElement(By.cssSelector("tr.job[data-id='" + a + "'] input.pick")).click();
        browser.driver.findElement(By.cssSelector("tr.job[data-id='" + b + "'] input.pick")).click();
        assertThat(api.patch("/api/v1/jobs/" + b, Api.ADMIN, Map.of("expectedVersion", 1, "priority", 4)).status())
                .as("b changes after the page showed it").isEqualTo(200);
        browser.driver.findElement(By.id("bulk-cancel")).click();
        waitForElement(By.id("bulk-succeeded"));
        assertThat(browser.driver.findElements(By.cssSelector("tr.bulk-done"))).hasSize(1);
        assertThat(text(By.cssSelector("tr.bulk-done"))).startsWith(a);
        assertThat(text(By.cssSelector("tr.bulk-refused[data-id='" + b + "']"))).contains("version_conflict")
                .contains("queued");
        assertClean("bulk result");
        browser.screenshot(shots, "bulk-result");
        assertThat(Jobs.get(api, b).path("status").asText()).as("never acted on blindly").isEqualTo("queued");

        browser.driver.findElement(By.id("bulk-back")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("queue=batch"));
        browser.driver.findElement(By.id("bulk-cancel-matching")).click();
        assertThat(waitForElement(By.id("bulk-count")).getText()).as("the two still queued, not the cancelled one")
                .startsWith("2 ");
        assertClean("bulk confirm");
        browser.screenshot(shots, "bulk-confirm");
        String later = Jobs.enqueue(api, "batch", Map.of("type", "bulk.item")).path("id").asText();
        browser.driver.findElement(By.id("bulk-confirm")).click();
        waitForElement(By.id("bulk-succeeded"));
        assertThat(browser.driver.findElements(By.cssSelector("tr.bulk-done"))).hasSize(2);
        for (String id : ids) {
            assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("cancelled");
        }
        assertThat(Jobs.get(api, later).path("status").asText()).as("enqueued after the count: not confirmed")
                .isEqualTo("queued");
        browser.driver.findElement(By.id("bulk-back")).click();
        waitFor(() -> browser.driver.getCurrentUrl().contains("queue=batch"));
        browser.driver.findElement(By.id("bulk-retry-matching")).click();
        assertThat(waitForElement(By.id("bulk-count")).getText()).startsWith("3 ");
        browser.driver.findElement(By.id("bulk-confirm")).click();
        waitForElement(By.id("bulk-succeeded"));
        for (String id : ids) {
            assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("queued");
        }
    }

    @Test
    @Order(16)
    void aLongLogIsPagedBackAndItsTailFollowedLive() {
        Jobs.enqueue(api, "tail", Map.of("type", "log.long"));
        JsonNode running = Jobs.claimOne(api, "tail", 600_000);
        String id = running.path("id").asText();
        String lease = running.path("leaseToken").asText();
        appendLines(id, lease, 1, 250, "line ");
        open("/ui/jobs/" + id);
        assertThat(seqsShown()).as("the last 100 lines").isEqualTo(range(151, 250));
        browser.driver.findElement(By.id("log-earlier")).click();
        waitFor(() -> seqsShown().equals(range(51, 150)));
        browser.driver.findElement(By.id("log-earlier")).click();
        waitFor(() -> seqsShown().equals(range(1, 50)));
        assertThat(browser.driver.findElements(By.id("log-earlier"))).as("nothing before the first line").isEmpty();
        browser.driver.findElement(By.id("log-later")).click();
        waitFor(() -> seqsShown().equals(range(51, 150)));
        assertThat(browser.driver.findElements(By.id("log-live"))).as("a page back is not followed").isEmpty();

        browser.driver.findElement(By.id("log-latest")).click();
        waitFor(() -> seqsShown().equals(range(151, 250)));
        browser.driver.executeScript("window.__samePage = true");
        appendLines(id, lease, 251, 252, "more ");
        Api.Resp r = api.post("/api/v1/jobs/" + id + "/logs", Api.WORKER, Map.of("leaseToken", lease,
                "entries", List.of(Map.of("seq", 253, "level", "error", "message", XSS.get(1)))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        waitFor(() -> seqsShown().equals(range(151, 253)));
        assertThat(text(By.cssSelector("#log tbody tr:last-child"))).contains(XSS.get(1)).contains("error");
        assertThat(browser.driver.executeScript("return window.__samePage")).as("no reload").isEqualTo(true);
        assertThat(browser.driver.findElements(By.cssSelector("main img"))).isEmpty();
        assertClean("live log tail");
        browser.driver.executeScript("document.getElementById('log-title').scrollIntoView()");
        browser.screenshot(shots, "job-log");
        assertThat(api.post("/api/v1/jobs/" + id + "/complete", Api.WORKER, Map.of("leaseToken", lease,
                "result", Map.of("lines", 253))).status()).isEqualTo(200);
        waitFor(() -> text(By.id("log-live")).contains("finished"));
    }

    @Test
    @Order(17)
    void theOverviewChartsTheLastHourLiveAndLinksEachFailureType() {
        open("/ui");
        assertThat(browser.driver.findElements(By.cssSelector("#throughput-chart polyline"))).hasSize(3);
        assertThat(browser.driver.findElements(By.cssSelector("#wait-chart polyline"))).hasSize(2);
        assertThat(browser.driver.findElement(By.cssSelector("#throughput-chart polyline.started")).getAttribute("points")
                .split(" ")).as("a point a minute").hasSize(60);
        long failedBefore = Long.parseLong(text(By.id("hour-failed")));
        browser.driver.executeScript("window.__samePage = true");
        Jobs.enqueue(api, "charts", Map.of("type", "chart.fail", "maxAttempts", 1, "payload", Map.of("n", 1)));
        JsonNode running = Jobs.claimOne(api, "charts", 60_000);
        String failedId = running.path("id").asText();
        assertThat(api.post("/api/v1/jobs/" + failedId + "/fail", Api.WORKER, Map.of("leaseToken",
                running.path("leaseToken").asText(), "error", Map.of("message", "disk full", "type", "io.DiskFull",
                        "retryable", false))).status()).isEqualTo(200);
        // The section fetches itself every 10 s and the coordinator reads the hour again after 5 s.
        new WebDriverWait(browser.driver, Duration.ofSeconds(40)).ignoring(StaleElementReferenceException.class)
                .until(d -> Long.parseLong(text(By.id("hour-failed"))) == failedBefore + 1);
        assertThat(browser.driver.executeScript("return window.__samePage")).as("no reload").isEqualTo(true);
        assertClean("overview charts");
        browser.driver.executeScript("document.getElementById('activity').scrollIntoView()");
        browser.screenshot(shots, "overview-activity");
        waitFor(() -> { // the section is swapped every 10 s: find and click in one go, again if it went stale
            browser.driver.findElement(By.xpath("//table[@id='failures']//a[text()='io.DiskFull']")).click();
            return true;
        });
        waitFor(() -> browser.driver.getCurrentUrl().contains("in=error"));
        assertThat(browser.driver.findElements(By.cssSelector("tr.job")).stream().map(e -> e.getAttribute("data-id")).toList())
                .as("the failed jobs of that error type").containsExactly(failedId);

        Jobs.enqueue(api, "charts", Map.of("type", "chart.ok", "payload", Map.of("n", 2)));
        running = Jobs.claimOne(api, "charts", 60_000);
        String invoiced = running.path("id").asText();
        assertThat(api.post("/api/v1/jobs/" + invoiced + "/complete", Api.WORKER, Map.of("leaseToken",
                running.path("leaseToken").asText(), "result", Map.of("invoice", Map.of("number", "INV-9")))).status())
                .isEqualTo(200);
        open("/ui/jobs?in=result&q=" + Show.enc("invoice.number:INV-9"));
        assertThat(browser.driver.findElements(By.cssSelector("tr.job")).stream().map(e -> e.getAttribute("data-id")).toList())
                .as("a search in results").containsExactly(invoiced);
        open("/ui/jobs?in=nowhere&q=a:b");
        assertThat(text(By.id("filter-error"))).contains("in").contains("payload, result or error");
    }

    @Test
    @Order(18)
    void theJobsListRefreshesItselfUnlessPausedOrARowIsTicked() {
        String first = Jobs.enqueue(api, "fresh", Map.of("type", "fresh.one")).path("id").asText();
        open("/ui/jobs?queue=fresh");
        browser.driver.executeScript("""
                window.__held = 0;
                document.addEventListener('htmx:beforeRequest', e => { if (e.defaultPrevented) window.__held++; });""");
        String second = Jobs.enqueue(api, "fresh", Map.of("type", "fresh.two")).path("id").asText();
        waitFor(() -> !browser.driver.findElements(By.cssSelector("tr.job[data-id='" + second + "']")).isEmpty());

        browser.driver.findElement(By.cssSelector("tr.job[data-id='" + first + "'] input.pick")).click();
        String third = Jobs.enqueue(api, "fresh", Map.of("type", "fresh.three")).path("id").asText();
        waitFor(() -> ((Number) browser.driver.executeScript("return window.__held")).longValue() >= 1);
        assertThat(browser.driver.findElements(By.cssSelector("tr.job[data-id='" + third + "']"))).as("held").isEmpty();
        assertThat(browser.driver.findElement(By.cssSelector("tr.job[data-id='" + first + "'] input.pick")).isSelected())
                .as("the tick survives").isTrue();

        browser.driver.findElement(By.cssSelector("tr.job[data-id='" + first + "'] input.pick")).click();
        waitFor(() -> !browser.driver.findElements(By.cssSelector("tr.job[data-id='" + third + "']")).isEmpty());

        browser.driver.findElement(By.id("live-toggle")).click();
        browser.driver.executeScript("window.__held = 0");
        String fourth = Jobs.enqueue(api, "fresh", Map.of("type", "fresh.four")).path("id").asText();
        waitFor(() -> ((Number) browser.driver.executeScript("return window.__held")).longValue() >= 1);
        assertThat(browser.driver.findElements(By.cssSelector("tr.job[data-id='" + fourth + "']"))).as("paused").isEmpty();
        assertClean("live jobs list");
    }

    private static void appendLines(String id, String lease, int from, int to, String prefix) {
        List<Map<String, Object>> lines = new java.util.ArrayList<>();
        for (int seq = from; seq <= to; seq++) {
            lines.add(Map.of("seq", seq, "level", "info", "message", prefix + seq));
        }
        Api.Resp r = api.post("/api/v1/jobs/" + id + "/logs", Api.WORKER, Map.of("leaseToken", lease, "entries", lines));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    /** The seq column of the log rows shown. */
    private static List<Integer> seqsShown() {
        return browser.driver.findElements(By.cssSelector("#log tbody tr td:nth-child(2)")).stream()
                .map(e -> Integer.parseInt(e.getText())).toList();
    }

    private static List<Integer> range(int from, int to) {
        return java.util.stream.IntStream.rangeClosed(from, to).boxed().toList();
    }

    private static void fillSchedule(String name, String cron, String zone) {
        for (String[] field : new String[][] {{"s-name", name}, {"s-cron", cron}, {"s-timezone", zone}}) {
            WebElement input = browser.driver.findElement(By.id(field[0]));
            input.clear();
            input.sendKeys(field[1]);
        }
        browser.driver.findElement(By.id("s-save")).click();
    }

    private static long progress(String id, String lease, long version, long current) {
        Api.Resp r = api.post("/api/v1/jobs/" + id + "/progress", Api.WORKER, Map.of("leaseToken", lease,
                "expectedVersion", version, "current", current, "total", 10));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.body().path("version").asLong();
    }

    private static void open(String path) {
        browser.driver.get(base + path);
    }

    private static void logIn(String token) {
        if (!browser.driver.getCurrentUrl().endsWith("/ui/login")) {
            open("/ui/login");
        }
        browser.driver.findElement(By.id("token")).sendKeys(token);
        browser.driver.findElement(By.cssSelector("#login button")).click();
        waitFor(() -> browser.driver.findElements(By.id("login")).isEmpty()
                || !browser.driver.findElements(By.id("login-error")).isEmpty());
    }

    private static String text(By by) {
        return browser.driver.findElement(by).getText();
    }

    private static void assertClean(String page) {
        assertThat(browser.driver.executeScript("return typeof window.__x")).as(page).isEqualTo("undefined");
        browser.assertCleanConsole(page);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        // htmx swaps elements in and out: one found a moment ago may be gone when it is read.
        new WebDriverWait(browser.driver, Duration.ofSeconds(10)).ignoring(StaleElementReferenceException.class)
                .until(d -> condition.getAsBoolean());
    }

    private static WebElement waitForElement(By by) {
        return new WebDriverWait(browser.driver, Duration.ofSeconds(10)).ignoring(StaleElementReferenceException.class)
                .until(d -> d.findElement(by));
    }
}
