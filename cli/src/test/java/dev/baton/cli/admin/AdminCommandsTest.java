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
        assertThat(Cli.against(cluster.coordinator(0).port(), secret).run("queues", "pause", "x", "--create").code())
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

    /** Hostile review, defect 7: pausing a queue that does not exist created it. */
    @Test
    void aQueueThatDoesNotExistIsNotCreatedUnlessAsked() {
        for (String[] args : new String[][] {{"queues", "pause", "nosuch-q"}, {"queues", "resume", "nosuch-q"},
                {"queues", "set", "nosuch-q", "--max-running", "3"}}) {
            Cli.Result r = cli.run(args);
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(r.err()).contains("no queue nosuch-q", "--create");
        }
        assertThat(cli.run("queues", "list").out()).doesNotContain("nosuch-q");
        Cli.Result created = cli.run("queues", "pause", "created-q", "--create", "-o", "json");
        assertThat(created.code()).as(created.toString()).isZero();
        assertThat(created.json().path("paused").asBoolean()).isTrue();
        assertThat(cli.run("queues", "resume", "created-q").code()).isZero();
    }

    /** Hostile review, defect 6: limits out of range are usage errors naming the option. */
    @Test
    void queueLimitsOutOfRangeAreUsageErrors() {
        Jobs.enqueue(api, "limits-q", Map.of());
        for (String[] args : new String[][] {{"--max-running", "-1"}, {"--rate", "0"}, {"--rate", "-2"},
                {"--rate", "NaN"}, {"--max-running", "2000000"}}) {
            Cli.Result r = cli.run("queues", "set", "limits-q", args[0], args[1]);
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains(args[0]);
        }
        Cli.Result audit = cli.run("audit", "--limit", "0");
        assertThat(audit.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(audit.err()).contains("--limit");
    }

    /** Hostile review, defects 15 and 17: --all beside --limit, and empty values, in audit. */
    @Test
    void auditRefusesLimitWithAllAndEmptyValues() {
        Cli.Result both = cli.run("audit", "--all", "--limit", "1");
        assertThat(both.code()).as(both.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.err()).contains("--all", "--limit");
        for (String option : new String[] {"--actor", "--action", "--target"}) {
            Cli.Result r = cli.run("audit", option, "");
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains(option, "empty");
        }
        assertThat(cli.run("schedules", "show", "").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("tokens", "revoke", " ").code()).isEqualTo(ExitCodes.USAGE);
    }

    /** Hostile review, defect 14: flags beside --file were ignored. */
    @Test
    void schedulePutFileWithFlagsIsAUsageError() {
        Cli.Result r = cli.run("schedules", "put", "mixed", "--file",
                "{\"cron\":\"0 0 4 * * *\",\"job\":{\"type\":\"t\"}}", "--cron", "0 0 5 * * *", "--queue", "q");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--file", "--cron", "--queue");
        assertThat(cli.run("schedules", "show", "mixed").code()).isEqualTo(ExitCodes.NOT_FOUND);
        Cli.Result typed = cli.run("schedules", "put", "typed", "--file", "{\"cron\":\"0 0 4 * * *\",\"job\":{\"type\":\"t\",\"priority\":\"x\"}}");
        assertThat(typed.code()).as(typed.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(typed.err()).contains("job.priority").doesNotContain("java.", "com.fasterxml", "dev.baton");
    }

    /** Hostile review, defect 12: profile file errors name the file, the line and what is wrong. */
    @Test
    void profileFileErrorsSayWhereAndWhat(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config");
        Map<String, String> env = new HashMap<>();
        env.put("BATON_CONFIG", config.toString());
        Cli c = new Cli(env);

        Files.writeString(config, "[default]\nurl = http://127.0.0.1:1\n\n[ops]\ntokne = abc\n");
        Cli.Result typo = c.run("queues", "list", "--profile", "ops");
        assertThat(typo.code()).as(typo.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(typo.err()).contains(config.toString(), "line 5", "tokne", "token-file");

        Files.writeString(config, "[default]\nurl = http://127.0.0.1:1\n[ops]\nurl = http://127.0.0.1:2\n");
        Cli.Result missing = c.run("queues", "list", "--profile", "prod");
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("[prod]", config.toString(), "default, ops");
        env.put("BATON_PROFILE", "prod");
        assertThat(new Cli(env).run("health").err()).contains("BATON_PROFILE", "default, ops");
        env.remove("BATON_PROFILE");

        Files.writeString(config, "url = http://127.0.0.1:1\n");
        assertThat(c.run("health").err()).contains(config.toString(), "line 1", "[default]");
        Files.writeString(config, "[default\nurl = http://127.0.0.1:1\n");
        assertThat(c.run("health").err()).contains("line 1", "]");
        Files.writeString(config, "[default]\nurl\n");
        assertThat(c.run("health").err()).contains("line 2", "key = value");

        Files.writeString(config, "[default]\nurl = http://127.0.0.1:1\ntoken-file = " + dir.resolve("absent") + "\n");
        Cli.Result noFile = c.run("queues", "list");
        assertThat(noFile.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noFile.err()).contains(dir.resolve("absent").toString(), "no such file", "[default]")
                .doesNotContain("Exception");
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
