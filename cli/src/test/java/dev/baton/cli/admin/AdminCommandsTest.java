package dev.baton.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.cli.Cli;
import dev.baton.cli.ExitCodes;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** queues, schedules, workers, health, tokens, audit and the profile file, against a real coordinator. */
class AdminCommandsTest {
    private static TestCluster cluster;
    private static Api api;
    private static Cli cli;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(AdminCommandsTest.class, 1);
        api = cluster.api();
        cli = Cli.against(cluster.coordinator(0).port(), Api.ADMIN);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void queuesPauseResumeSetAndShow() {
        Jobs.enqueue(api, "ops-q", Map.of());
        Cli.Result list = cli.run("queues", "list");
        assertThat(list.code()).as(list.toString()).isZero();
        assertThat(list.out()).contains("NAME", "QUEUED", "ops-q");

        Cli.Result paused = cli.run("queues", "pause", "ops-q", "-o", "json");
        assertThat(paused.code()).as(paused.toString()).isZero();
        assertThat(paused.json().path("paused").asBoolean()).isTrue();
        assertThat(cli.run("queues", "show", "ops-q").out()).contains("paused");

        Cli.Result resumed = cli.run("queues", "resume", "ops-q", "-o", "json");
        assertThat(resumed.json().path("paused").asBoolean()).isFalse();

        Cli.Result set = cli.run("queues", "set", "ops-q", "--max-running", "3", "--rate", "2.5", "-o", "json");
        assertThat(set.code()).as(set.toString()).isZero();
        assertThat(set.json().path("maxRunning").asInt()).isEqualTo(3);
        assertThat(set.json().path("ratePerSecond").asDouble()).isEqualTo(2.5);

        assertThat(cli.run("queues", "set", "ops-q").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("queues", "show", "no-such-queue").code()).isEqualTo(ExitCodes.NOT_FOUND);
        Cli.Result jsonl = cli.run("queues", "list", "-o", "jsonl");
        assertThat(jsonl.jsonl()).anySatisfy(q -> assertThat(q.path("name").asText()).isEqualTo("ops-q"));
    }

    @Test
    void schedulesPutListShowDelete() {
        Cli.Result put = cli.run("schedules", "put", "nightly", "--cron", "0 0 3 * * *", "--type", "report.build",
                "--queue", "reports", "--payload", "{\"full\":true}", "--catch-up", "latest");
        assertThat(put.code()).as(put.toString()).isZero();
        assertThat(put.err()).contains("created");
        assertThat(put.out()).contains("nightly", "0 0 3 * * *", "report.build");

        Cli.Result replaced = cli.run("schedules", "put", "nightly", "--file",
                "{\"cron\":\"0 0 4 * * *\",\"job\":{\"type\":\"report.build\",\"queue\":\"reports\"}}", "-o", "json");
        assertThat(replaced.code()).as(replaced.toString()).isZero();
        assertThat(replaced.json().path("cron").asText()).isEqualTo("0 0 4 * * *");

        assertThat(cli.run("schedules", "list", "-o", "json").json()).anySatisfy(s ->
                assertThat(s.path("name").asText()).isEqualTo("nightly"));
        Cli.Result show = cli.run("schedules", "show", "nightly");
        assertThat(show.out()).contains("0 0 4 * * *", "job: {");

        Cli.Result bad = cli.run("schedules", "put", "broken", "--cron", "* * * * * *", "--type", "t");
        assertThat(bad.code()).as(bad.toString()).isEqualTo(ExitCodes.REFUSED);

        assertThat(cli.run("schedules", "delete", "nightly").code()).isZero();
        assertThat(cli.run("schedules", "show", "nightly").code()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void workersListsAWorkerThatClaimed() throws Exception {
        Jobs.enqueue(api, "workers-q", Map.of());
        Jobs.claimOne(api, "workers-q", 60_000);
        assertThat(Jobs.eventually(60_000, () -> cli.run("workers", "list").out().contains("test-worker"))).isTrue();
        Cli.Result json = cli.run("workers", "list", "-o", "json");
        assertThat(json.code()).isZero();
        assertThat(json.json().isArray()).isTrue();
    }

    @Test
    void healthNeedsNoToken() {
        Cli.Result r = Cli.against(cluster.coordinator(0).port(), null).run("health");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("status:", "up", "ready");
        Cli.Result json = cli.run("health", "-o", "json");
        assertThat(json.json().path("health").path("database").asText()).isEqualTo("up");
        assertThat(json.json().path("ready").path("status").asText()).isEqualTo("ready");
    }

    @Test
    void tokensCreateListRevokeAndTheSecretWorks() {
        Cli.Result created = cli.run("tokens", "create", "ops-viewer", "--role", "viewer");
        assertThat(created.code()).as(created.toString()).isZero();
        String secret = created.out().strip();
        assertThat(secret).startsWith("baton_");

        Cli.Result list = cli.run("tokens", "list");
        assertThat(list.out()).contains("ops-viewer", "viewer").doesNotContain(secret);

        Cli.Result asViewer = Cli.against(cluster.coordinator(0).port(), secret).run("jobs", "list");
        assertThat(asViewer.code()).as(asViewer.toString()).isZero();
        assertThat(Cli.against(cluster.coordinator(0).port(), secret).run("queues", "pause", "x").code())
                .isEqualTo(ExitCodes.AUTH);

        assertThat(cli.run("tokens", "create", "ops-viewer", "--role", "viewer").code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(cli.run("tokens", "revoke", "ops-viewer").code()).isZero();
        Cli.Result revoked = Cli.against(cluster.coordinator(0).port(), secret).run("jobs", "list");
        assertThat(revoked.code()).isEqualTo(ExitCodes.AUTH);
        assertThat(revoked.out() + revoked.err()).doesNotContain(secret);
        assertThat(cli.run("tokens", "revoke", "ops-viewer").code()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void auditShowsWhoChangedWhat() {
        Jobs.enqueue(api, "audit-q", Map.of());
        cli.run("queues", "pause", "audit-q");
        Cli.Result r = cli.run("audit", "--target", "queue:audit-q", "-o", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.json()).isNotEmpty();
        assertThat(r.json().get(0).path("action").asText()).isEqualTo("queue.update");
        assertThat(r.json().get(0).path("actor").asText()).isEqualTo("env:admin#1");
        assertThat(cli.run("audit", "--action", "queue.update", "--limit", "1").out()).contains("queue.update", "ACTOR");
    }

    @Test
    void aProfileFileGivesUrlAndToken(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config");
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, Api.ADMIN + "\n");
        Files.writeString(config, """
                # operator profiles
                [default]
                url = http://127.0.0.1:1

                [ops]
                url = http://127.0.0.1:%d
                token-file = %s
                """.formatted(cluster.coordinator(0).port(), tokenFile));
        Map<String, String> env = new HashMap<>();
        env.put("BATON_CONFIG", config.toString());
        Cli withProfile = new Cli(env);
        Cli.Result r = withProfile.run("queues", "list", "--profile", "ops");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(withProfile.run("queues", "list", "--profile", "missing").code()).isEqualTo(ExitCodes.USAGE);
        env.put("BATON_PROFILE", "ops");
        assertThat(new Cli(env).run("health").code()).isZero();
        // --url wins over the profile's
        Cli.Result flag = new Cli(env).run("health", "--url", "http://127.0.0.1:1");
        assertThat(flag.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    }

    @Test
    void helpListsTheCommandsAndExitCodes() {
        Cli.Result r = cli.run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("jobs", "queues", "schedules", "workers", "health", "tokens", "audit", "Exit codes");
        assertThat(cli.run("jobs", "--help").out()).contains("list", "show", "logs", "enqueue", "wait", "cancel", "retry", "edit");
        assertThat(cli.run("jobs", "retry", "--help").out()).contains("--status", "--yes", "--dry-run", "--rps", "--url", "-o");
        Cli.Result alone = cli.run("jobs");
        assertThat(alone.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(alone.err()).contains("enqueue");
    }
}
