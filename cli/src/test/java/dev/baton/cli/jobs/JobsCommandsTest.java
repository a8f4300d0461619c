package dev.baton.cli.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.Cli;
import dev.baton.cli.ExitCodes;
import dev.baton.common.Json;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code baton jobs …} against a real coordinator (in this JVM, on its own PostgreSQL database). */
class JobsCommandsTest {
    private static TestCluster cluster;
    private static Api api;
    private static Cli cli;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(JobsCommandsTest.class, 1);
        api = cluster.api();
        cli = Cli.against(cluster.coordinator(0).port(), Api.ADMIN);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Hostile review, defect 1: picocli expanded @file itself, splitting it into arguments and unquoting strings. */
    @Test
    void aPayloadFromAFileIsReadAsJsonInBothForms(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path object = java.nio.file.Files.writeString(dir.resolve("p.json"), "{\"x\": 1}\n");
        java.nio.file.Path string = java.nio.file.Files.writeString(dir.resolve("s.json"), "\"7\"");
        for (String[] form : new String[][] {{"--payload", "@" + object}, {"--payload=@" + object}}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("-o", "json", "jobs", "enqueue",
                    "--type", "file.t", "--queue", "file-q"));
            args.addAll(java.util.List.of(form));
            Cli.Result r = cli.run(args.toArray(String[]::new));
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.json().path("payload").path("x").asInt()).isEqualTo(1);
        }
        Cli.Result s = cli.run("-o", "json", "jobs", "enqueue", "--type", "file.t", "--queue", "file-q", "--payload",
                "@" + string);
        assertThat(s.code()).as(s.toString()).isZero();
        assertThat(s.json().path("payload").isTextual()).as("a JSON string stays a string").isTrue();
        assertThat(s.json().path("payload").asText()).isEqualTo("7");
    }

    @Test
    void enqueueThenShowInBothForms() {
        Cli.Result enq = cli.run("jobs", "enqueue", "--type", "email.send", "--queue", "show-q", "--payload", "{\"to\":\"a@b\"}",
                "--label", "tenant=acme", "--priority", "3", "--max-attempts", "2");
        assertThat(enq.code()).as(enq.toString()).isZero();
        String id = enq.out().strip();
        assertThat(enq.err()).contains("enqueued job " + id);

        Cli.Result table = cli.run("jobs", "show", id);
        assertThat(table.code()).as(table.toString()).isZero();
        assertThat(table.out()).contains("email.send", "show-q", "queued", "{\"to\":\"a@b\"}", "Attempts", "Events", "enqueued");

        Cli.Result json = cli.run("jobs", "show", id, "-o", "json");
        assertThat(json.code()).as(json.toString()).isZero();
        assertThat(json.json().path("job").path("id").asText()).isEqualTo(id);
        assertThat(json.json().path("job").path("labels").path("tenant").asText()).isEqualTo("acme");
        assertThat(json.json().path("events").get(0).path("type").asText()).isEqualTo("enqueued");
        assertThat(json.json().path("attempts")).isEmpty();
    }

    @Test
    void enqueueWithAUniqueKeyTwiceSaysDeduplicated() {
        Cli.Result first = cli.run("jobs", "enqueue", "--type", "t", "--queue", "dedup-q", "--unique-key", "k1", "-o", "json");
        Cli.Result again = cli.run("jobs", "enqueue", "--type", "t", "--queue", "dedup-q", "--unique-key", "k1");
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.out().strip()).isEqualTo(first.json().path("id").asText());
        assertThat(again.err()).contains("deduplicated");
    }

    @Test
    void enqueueResentUnderTheSameIdempotencyKeyIsAnsweredTheFirstJob() {
        Cli.Result first = cli.run("jobs", "enqueue", "--type", "t", "--queue", "idem-q", "--idempotency-key", "cli-k1", "-o", "json");
        Cli.Result again = cli.run("jobs", "enqueue", "--type", "t", "--queue", "idem-q", "--idempotency-key", "cli-k1", "-o", "json");
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
        Cli.Result reused = cli.run("jobs", "enqueue", "--type", "other", "--queue", "idem-q", "--idempotency-key", "cli-k1");
        assertThat(reused.code()).as(reused.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(reused.err()).contains("422", "idempotency_key_reused");
    }

    @Test
    void enqueueABatchFromJson() {
        Cli.Result r = cli.run("jobs", "enqueue", "--batch", "[{\"type\":\"a\",\"queue\":\"batch-q\"},{\"type\":\"b\",\"queue\":\"batch-q\"}]",
                "-o", "jsonl");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.jsonl()).extracting(j -> j.path("type").asText()).containsExactly("a", "b");
    }

    @Test
    void listFiltersAndFormats() {
        for (int i = 0; i < 3; i++) {
            Jobs.enqueue(api, "list-q", Map.of("labels", Map.of("tenant", "acme"), "payload", Map.of("n", i)));
        }
        Jobs.enqueue(api, "list-q", Map.of("labels", Map.of("tenant", "other")));

        Cli.Result jsonl = cli.run("jobs", "list", "--queue", "list-q", "--label", "tenant=acme", "-o", "jsonl");
        assertThat(jsonl.code()).as(jsonl.toString()).isZero();
        assertThat(jsonl.jsonl()).hasSize(3).allSatisfy(j -> assertThat(j.path("queue").asText()).isEqualTo("list-q"));

        Cli.Result json = cli.run("jobs", "list", "--queue", "list-q", "--limit", "2", "-o", "json");
        assertThat(json.json()).hasSize(2);
        assertThat(json.err()).isEmpty();

        Cli.Result table = cli.run("jobs", "list", "--queue", "list-q", "--limit", "2");
        List<String> lines = table.out().lines().toList();
        assertThat(lines.get(0)).startsWith("ID").contains("QUEUE", "TYPE", "STATUS");
        assertThat(lines).hasSize(3);
        // columns are aligned: STATUS starts at the same place on every line
        int col = lines.get(0).indexOf("STATUS");
        assertThat(lines.subList(1, 3)).allSatisfy(l -> assertThat(l.substring(col)).startsWith("queued"));
        assertThat(table.err()).contains("more jobs match");

        Cli.Result all = cli.run("jobs", "list", "--queue", "list-q", "--all", "-o", "jsonl");
        assertThat(all.jsonl()).hasSize(4);

        Cli.Result search = cli.run("jobs", "list", "--queue", "list-q", "--search", "\"n\":2", "-o", "jsonl");
        assertThat(search.jsonl()).hasSize(1);
        assertThat(search.jsonl().get(0).path("payload").path("n").asInt()).isEqualTo(2);

        Cli.Result iso = cli.run("jobs", "list", "--queue", "list-q", "--limit", "1", "--time-format", "iso");
        assertThat(iso.out()).containsPattern("\\d{4}-\\d\\d-\\d\\dT");
        assertThat(iso.out()).doesNotContain("\u001b[");
    }

    @Test
    void logsPagedAndByAttempt() {
        JsonNode job = Jobs.enqueue(api, "logs-q", Map.of());
        JsonNode claimed = Jobs.claimOne(api, "logs-q", 60_000);
        appendLog(claimed, 1, "first line");
        appendLog(claimed, 2, "second line");

        Cli.Result r = cli.run("jobs", "logs", job.path("id").asText());
        assertThat(r.code()).as(r.toString()).isZero();
        Cli.Result show = cli.run("jobs", "show", job.path("id").asText(), "-o", "json");
        assertThat(show.json().path("attempts")).hasSize(1);
        assertThat(show.json().path("attempts").get(0).path("workerId").asText()).isEqualTo("test-worker");
        assertThat(cli.run("jobs", "show", job.path("id").asText()).out()).contains("test-worker", "running");
        assertThat(r.out()).contains("first line", "second line", "#1");
        assertThat(r.out().indexOf("first line")).isLessThan(r.out().indexOf("second line"));

        Cli.Result json = cli.run("jobs", "logs", job.path("id").asText(), "-o", "json");
        assertThat(json.json()).hasSize(2);
        assertThat(json.json().get(0).path("seq").asInt()).isEqualTo(1);

        Cli.Result other = cli.run("jobs", "logs", job.path("id").asText(), "--attempt", "2", "-o", "json");
        assertThat(other.json()).isEmpty();
    }

    @Test
    void followPrintsNewLinesUntilTheJobIsFinished() throws Exception {
        JsonNode job = Jobs.enqueue(api, "follow-q", Map.of());
        String id = job.path("id").asText();
        JsonNode claimed = Jobs.claimOne(api, "follow-q", 120_000);
        appendLog(claimed, 1, "before follow");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Cli.Result> following = CompletableFuture.supplyAsync(() -> cli.run(out, "jobs", "logs", id, "--follow"));

        assertThat(Jobs.eventually(60_000, () -> out.toString(StandardCharsets.UTF_8).contains("before follow")))
                .as(out.toString(StandardCharsets.UTF_8)).isTrue();
        appendLog(claimed, 2, "while following");
        assertThat(Jobs.eventually(60_000, () -> out.toString(StandardCharsets.UTF_8).contains("while following")))
                .as(out.toString(StandardCharsets.UTF_8)).isTrue();
        assertThat(following).isNotDone();

        complete(claimed);
        Cli.Result r = following.get(90, TimeUnit.SECONDS);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("is succeeded");
    }

    @Test
    void waitExitCodeSaysHowTheJobEnded() throws Exception {
        String ok = Jobs.enqueue(api, "wait-q", Map.of()).path("id").asText();
        complete(Jobs.claimOne(api, "wait-q", 60_000));
        Cli.Result r = cli.run("jobs", "wait", ok);
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("succeeded");

        String bad = Jobs.enqueue(api, "wait-q", Map.of("maxAttempts", 1)).path("id").asText();
        fail(Jobs.claimOne(api, "wait-q", 60_000));
        assertThat(cli.run("jobs", "wait", bad, "-o", "json").code()).isEqualTo(ExitCodes.JOB_FAILED);

        String gone = Jobs.enqueue(api, "wait-q", Map.of()).path("id").asText();
        assertThat(cli.run("jobs", "cancel", gone).code()).isZero();
        assertThat(cli.run("jobs", "wait", gone).code()).isEqualTo(ExitCodes.JOB_CANCELLED);

        // a job that finishes while the CLI waits: the wait ends on the coordinator's signal
        String later = Jobs.enqueue(api, "wait-later-q", Map.of()).path("id").asText();
        CompletableFuture<Cli.Result> waiting = CompletableFuture.supplyAsync(() -> cli.run("jobs", "wait", later));
        complete(Jobs.claimOne(api, "wait-later-q", 60_000));
        assertThat(waiting.get(90, TimeUnit.SECONDS).code()).isEqualTo(ExitCodes.OK);

        String pending = Jobs.enqueue(api, "wait-never-q", Map.of()).path("id").asText();
        Cli.Result timedOut = cli.run("jobs", "wait", pending, "--timeout", "1s");
        assertThat(timedOut.code()).as(timedOut.toString()).isEqualTo(ExitCodes.WAIT_TIMED_OUT);
        assertThat(timedOut.out()).contains("queued");
    }

    @Test
    void cancelAndRetryByIdWithConflictsShown() {
        String id = Jobs.enqueue(api, "cancel-q", Map.of()).path("id").asText();
        Cli.Result cancelled = cli.run("jobs", "cancel", id, "--reason", "operator test", "-o", "json");
        assertThat(cancelled.code()).as(cancelled.toString()).isZero();
        assertThat(cancelled.json().path("status").asText()).isEqualTo("cancelled");

        Cli.Result again = cli.run("jobs", "cancel", id);
        assertThat(again.code()).as(again.toString()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(again.err()).contains("409", "invalid_transition", "the job now: job " + id + " cancelled");

        Cli.Result againJson = cli.run("jobs", "cancel", id, "-o", "json");
        assertThat(againJson.code()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(againJson.err()).contains("\"code\":\"invalid_transition\"");

        Cli.Result retried = cli.run("jobs", "retry", id);
        assertThat(retried.code()).as(retried.toString()).isZero();
        assertThat(retried.out()).contains("job " + id + " queued");
        assertThat(Jobs.eventTypes(api, id)).contains("cancelled", "retried");
    }

    @Test
    void severalIdsGiveOneResultEach() {
        String a = Jobs.enqueue(api, "multi-q", Map.of()).path("id").asText();
        String b = Jobs.enqueue(api, "multi-q", Map.of()).path("id").asText();
        cli.run("jobs", "cancel", b);
        Cli.Result r = cli.run("jobs", "cancel", a, b, "-o", "json");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(r.json()).hasSize(2);
        assertThat(r.json().get(0).path("result").asText()).isEqualTo("ok");
        assertThat(r.json().get(1).path("result").asText()).isEqualTo("failed");
        assertThat(r.json().get(1).path("code").asText()).isEqualTo("invalid_transition");
    }

    @Test
    void editAtAStaleVersionShowsWhatChangedAndExits3() {
        String id = Jobs.enqueue(api, "edit-q", Map.of("priority", 1)).path("id").asText();
        Cli.Result first = cli.run("jobs", "edit", id, "--expected-version", "1", "--priority", "5", "-o", "json");
        assertThat(first.code()).as(first.toString()).isZero();
        assertThat(first.json().path("priority").asInt()).isEqualTo(5);
        assertThat(first.json().path("version").asLong()).isEqualTo(2);

        Cli.Result stale = cli.run("jobs", "edit", id, "--expected-version", "1", "--priority", "9");
        assertThat(stale.code()).as(stale.toString()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(stale.err()).contains("version_conflict", "changed since version 1", "at version 2", "priority");
        assertThat(stale.err()).containsPattern("priority\\s+5\\s+9");
        assertThat(Jobs.get(api, id).path("priority").asInt()).isEqualTo(5);

        Cli.Result noVersion = cli.run("jobs", "edit", id, "--priority", "9");
        assertThat(noVersion.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noVersion.err()).contains("--expected-version is required");
    }

    @Test
    void bulkRetryByFilterNeedsYesHasADryRunAndReportsEachJob() {
        List<String> failed = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = Jobs.enqueue(api, "bulk-q", Map.of("maxAttempts", 1)).path("id").asText();
            fail(Jobs.claimOne(api, "bulk-q", 60_000));
            failed.add(id);
        }
        Jobs.enqueue(api, "bulk-q", Map.of()); // queued: not matched by --status failed

        Cli.Result refused = cli.run("jobs", "retry", "--status", "failed", "--queue", "bulk-q");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).contains("3 job(s)", "--yes");

        Cli.Result dry = cli.run("jobs", "retry", "--status", "failed", "--queue", "bulk-q", "--dry-run", "-o", "jsonl");
        assertThat(dry.code()).as(dry.toString()).isZero();
        assertThat(dry.jsonl()).extracting(j -> j.path("id").asText()).containsExactlyInAnyOrderElementsOf(failed);
        assertThat(dry.err()).contains("dry run");
        failed.forEach(id -> assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("failed"));

        Cli.Result done = cli.run("jobs", "retry", "--status", "failed", "--queue", "bulk-q", "--yes", "--rps", "100", "-o", "json");
        assertThat(done.code()).as(done.toString()).isZero();
        assertThat(done.json()).hasSize(3).allSatisfy(r -> assertThat(r.path("result").asText()).isEqualTo("ok"));
        failed.forEach(id -> assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("queued"));
        assertThat(Jobs.eventTypes(api, failed.get(0))).contains("retried");

        Cli.Result none = cli.run("jobs", "retry", "--status", "failed", "--queue", "bulk-q", "--yes");
        assertThat(none.code()).isZero();
        assertThat(none.err()).contains("no job matches");
    }

    @Test
    void bulkCancelReportsTheJobsItCouldNotCancel() {
        String a = Jobs.enqueue(api, "bulk-cancel-q", Map.of("type", "x")).path("id").asText();
        String b = Jobs.enqueue(api, "bulk-cancel-q", Map.of("type", "x")).path("id").asText();
        Cli.Result r = cli.run("jobs", "cancel", "--queue", "bulk-cancel-q", "--type", "x", "--yes");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains(a, b, "ok");
        assertThat(r.err()).contains("2 ok, 0 failed");
    }

    @Test
    void bulkEditByFilterChangesEachJobAtTheVersionListed() {
        String a = Jobs.enqueue(api, "bulk-edit-q", Map.of()).path("id").asText();
        String b = Jobs.enqueue(api, "bulk-edit-q", Map.of()).path("id").asText();
        Cli.Result r = cli.run("jobs", "edit", "--queue", "bulk-edit-q", "--priority", "7", "--yes", "-o", "jsonl");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.jsonl()).extracting(j -> j.path("id").asText()).containsExactlyInAnyOrder(a, b);
        assertThat(Jobs.get(api, a).path("priority").asInt()).isEqualTo(7);
        assertThat(Jobs.get(api, b).path("priority").asInt()).isEqualTo(7);
        assertThat(cli.run("jobs", "edit", "--queue", "bulk-edit-q", "--yes").code()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void errorsMapToExitCodes() {
        assertThat(cli.run("jobs", "show", "999999999").code()).isEqualTo(ExitCodes.NOT_FOUND);
        Cli.Result badToken = Cli.against(cluster.coordinator(0).port(), "not-a-token").run("jobs", "list");
        assertThat(badToken.code()).isEqualTo(ExitCodes.AUTH);
        assertThat(badToken.err()).contains("401").doesNotContain("not-a-token");
        Cli.Result forbidden = Cli.against(cluster.coordinator(0).port(), Api.PRODUCER).run("jobs", "cancel", "1");
        assertThat(forbidden.code()).isEqualTo(ExitCodes.AUTH);
        Cli.Result noToken = Cli.against(cluster.coordinator(0).port(), null).run("jobs", "list");
        assertThat(noToken.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(noToken.err()).contains("no token");
        assertThat(cli.run("jobs", "list", "--no-such-flag").code()).isEqualTo(ExitCodes.USAGE);
        Cli.Result refused = cli.run("jobs", "enqueue", "--type", "t", "--max-attempts", "0");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(refused.err()).contains("400", "invalid_request", "maxAttempts");
        Cli.Result down = Cli.against(closedPort(), Api.ADMIN).run("jobs", "list");
        assertThat(down.code()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(down.err()).contains("cannot connect to");
        Cli.Result cut = Cli.against(closedPort(), Api.ADMIN).run("jobs", "cancel", "1", "2");
        assertThat(cut.code()).as(cut.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(cut.err()).contains("stopped after 0 of 2");
        Cli.Result both = cli.run("jobs", "cancel", "1", "--queue", "q");
        assertThat(both.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("jobs", "cancel").code()).isEqualTo(ExitCodes.USAGE);
        Cli.Result reasonInBulk = cli.run("jobs", "cancel", "--queue", "q", "--reason", "x", "--yes");
        assertThat(reasonInBulk.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(reasonInBulk.err()).contains("POST /jobs/bulk takes neither");
    }

    /** Hostile review, defect 6: --max 0 acted on nothing and said so; counts and limits out of range are usage errors. */
    @Test
    void countsAndLimitsOutOfRangeAreUsageErrorsNamingTheOption() {
        String id = Jobs.enqueue(api, "range-q", Map.of()).path("id").asText();
        for (String[] args : new String[][] {
                {"jobs", "retry", "--queue", "range-q", "--max", "0", "--yes"},
                {"jobs", "cancel", "--queue", "range-q", "--max", "-1", "--yes"},
                {"jobs", "list", "--limit", "0"},
                {"jobs", "list", "--limit", "-5"},
                {"jobs", "logs", id, "--attempt", "0"},
                {"jobs", "logs", id, "--attempt", "-1"},
                {"jobs", "cancel", "--queue", "range-q", "--rps", "0", "--yes"}}) {
            Cli.Result r = cli.run(args);
            String option = java.util.Arrays.stream(args).filter(a -> a.startsWith("--") && !a.equals("--queue")
                    && !a.equals("--yes")).findFirst().orElseThrow();
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).as(r.toString()).contains(option);
        }
        assertThat(Jobs.get(api, id).path("status").asText()).isEqualTo("queued");
    }

    /** Hostile review, defect 16: --attempt beyond the attempts the job can have is refused with a clear message. */
    @Test
    void anAttemptTheJobHasNotMadeIsRefused() {
        JsonNode job = Jobs.enqueue(api, "attempt-q", Map.of("maxAttempts", 2));
        String id = job.path("id").asText();
        Cli.Result none = cli.run("jobs", "logs", id, "--attempt", "1");
        assertThat(none.code()).as(none.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains("job " + id, "no attempt");
        appendLog(Jobs.claimOne(api, "attempt-q", 60_000), 1, "one");
        assertThat(cli.run("jobs", "logs", id, "--attempt", "1").out()).contains("one");
        Cli.Result beyond = cli.run("jobs", "logs", id, "--attempt", "3");
        assertThat(beyond.code()).as(beyond.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(beyond.err()).contains("--attempt 3", "1 attempt");
    }

    /** Hostile review, defect 8: a bulk by filter counted and sent jobs the action can never apply to. */
    @Test
    void bulkByFilterPicksOnlyTheJobsTheActionAppliesTo() {
        // claimOne takes the oldest ready job, so each is enqueued, then moved on, before the next
        String failed = Jobs.enqueue(api, "applies-q", Map.of("maxAttempts", 1)).path("id").asText();
        fail(Jobs.claimOne(api, "applies-q", 60_000));
        String succeeded = Jobs.enqueue(api, "applies-q", Map.of()).path("id").asText();
        complete(Jobs.claimOne(api, "applies-q", 60_000));
        String cancelled = Jobs.enqueue(api, "applies-q", Map.of()).path("id").asText();
        assertThat(cli.run("jobs", "cancel", cancelled).code()).isZero();
        String queued = Jobs.enqueue(api, "applies-q", Map.of("runAt", "2099-01-01T00:00:00Z")).path("id").asText();

        Cli.Result retryDry = cli.run("jobs", "retry", "--queue", "applies-q", "--dry-run", "-o", "jsonl");
        assertThat(retryDry.code()).as(retryDry.toString()).isZero();
        assertThat(retryDry.jsonl()).extracting(j -> j.path("id").asText()).containsExactly(cancelled, failed);
        assertThat(retryDry.err()).contains("2 job(s)", "failed or cancelled");
        Cli.Result retryAsk = cli.run("jobs", "retry", "--queue", "applies-q");
        assertThat(retryAsk.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(retryAsk.err()).contains("2 job(s)");

        Cli.Result cancelDry = cli.run("jobs", "cancel", "--queue", "applies-q", "--dry-run", "-o", "jsonl");
        assertThat(cancelDry.jsonl()).extracting(j -> j.path("id").asText()).containsExactly(queued);

        Cli.Result never = cli.run("jobs", "retry", "--status", "succeeded", "--queue", "applies-q", "--yes");
        assertThat(never.code()).as(never.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(never.err()).contains("--status succeeded", "failed", "cancelled");
        assertThat(cli.run("jobs", "cancel", "--status", "failed", "--queue", "applies-q", "--yes").code())
                .isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("jobs", "edit", "--status", "running", "--queue", "applies-q", "--priority", "1", "--yes").code())
                .isEqualTo(ExitCodes.USAGE);

        Cli.Result retried = cli.run("jobs", "retry", "--queue", "applies-q", "--max", "1", "--yes", "-o", "json");
        assertThat(retried.code()).as(retried.toString()).isZero();
        assertThat(retried.json()).hasSize(1);
        assertThat(retried.json().get(0).path("id").asText()).isEqualTo(cancelled);
        assertThat(Jobs.get(api, succeeded).path("status").asText()).isEqualTo("succeeded");
        assertThat(Jobs.get(api, failed).path("status").asText()).isEqualTo("failed");
    }

    /** Hostile review, defect 9: --set-label replaced every label; it merges, and k= or --remove-label removes. */
    @Test
    void editMergesLabelsAtTheVersionRead() {
        String id = Jobs.enqueue(api, "labels-q", Map.of("labels", Map.of("a", "1", "b", "2"))).path("id").asText();
        Cli.Result add = cli.run("jobs", "edit", id, "--set-label", "c=3", "-o", "json");
        assertThat(add.code()).as(add.toString()).isZero();
        assertThat(Jobs.get(api, id).path("labels")).isEqualTo(Json.mapper().valueToTree(Map.of("a", "1", "b", "2", "c", "3")));

        Cli.Result remove = cli.run("jobs", "edit", id, "--set-label", "a=", "--remove-label", "b", "--expected-version", "2");
        assertThat(remove.code()).as(remove.toString()).isZero();
        assertThat(Jobs.get(api, id).path("labels")).isEqualTo(Json.mapper().valueToTree(Map.of("c", "3")));

        Cli.Result stale = cli.run("jobs", "edit", id, "--set-label", "d=4", "--expected-version", "1");
        assertThat(stale.code()).as(stale.toString()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(stale.err()).contains("changed since version 1", "at version 3", "labels");
        assertThat(Jobs.get(api, id).path("labels").has("d")).isFalse();
    }

    /** Hostile review, defects 13 and 17: empty values (a payload, an id, a name) are usage errors everywhere. */
    @Test
    void emptyValuesAreUsageErrors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path empty = java.nio.file.Files.writeString(dir.resolve("empty.json"), "\n");
        for (String[] args : new String[][] {
                {"jobs", "enqueue", "--type", "t", "--queue", "empty-q", "--payload", ""},
                {"jobs", "enqueue", "--type", "t", "--queue", "empty-q", "--payload", "@" + empty},
                {"jobs", "enqueue", "--type", "", "--queue", "empty-q"},
                {"jobs", "enqueue", "--type", "t", "--queue", " "},
                {"jobs", "show", ""},
                {"jobs", "logs", ""},
                {"jobs", "wait", " "},
                {"jobs", "cancel", "1", ""},
                {"jobs", "list", "--queue", ""}}) {
            Cli.Result r = cli.run(args);
            assertThat(r.code()).as(String.join("|", args) + "\n" + r).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).as(r.toString()).containsAnyOf("must not be empty", "is empty");
        }
        assertThat(cli.run("jobs", "list", "--queue", "empty-q", "-o", "json").json()).isEmpty();
    }

    /** Hostile review, defect 15: --limit was ignored beside --all. */
    @Test
    void limitAndAllTogetherAreAUsageError() {
        Cli.Result r = cli.run("jobs", "list", "--all", "--limit", "2");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--all", "--limit");
    }

    /** Hostile review, defect 10: a URL ending in /api/v1 doubled the path; a query or fragment is refused. */
    @Test
    void aUrlEndingInTheApiPathWorks() {
        for (String suffix : List.of("/api/v1", "/api/v1/", "/")) {
            Cli c = new Cli(Map.of("BATON_URL", "http://127.0.0.1:" + cluster.coordinator(0).port() + suffix,
                    "BATON_TOKEN", Api.ADMIN, "BATON_CONFIG", "/nonexistent/baton-config"));
            Cli.Result r = c.run("jobs", "list", "--limit", "1");
            assertThat(r.code()).as(suffix + "\n" + r).isZero();
        }
        for (String bad : List.of("?x=1", "/#top")) {
            Cli.Result r = cli.run("jobs", "list", "--url", "http://127.0.0.1:" + cluster.coordinator(0).port() + bad);
            assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains(bad.contains("?") ? "query" : "fragment");
        }
    }

    /** Hostile review, defect 11: JDK and Jackson class names in errors. */
    @Test
    void errorsAreInPlainWords() {
        int port = closedPort();
        Cli.Result down = Cli.against(port, Api.ADMIN).run("jobs", "list");
        assertThat(down.code()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(down.err()).contains("cannot connect to http://127.0.0.1:" + port + ": connection refused")
                .doesNotContain("java.", "Exception");
        Cli.Result batch = cli.run("jobs", "enqueue", "--batch", "[{\"type\":\"a\",\"nope\":1}]");
        assertThat(batch.code()).as(batch.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(batch.err()).contains("nope").doesNotContain("com.fasterxml", "dev.baton", "java.");
        Cli.Result typed = cli.run("jobs", "enqueue", "--batch", "[{\"type\":\"a\",\"priority\":\"high\"}]");
        assertThat(typed.code()).as(typed.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(typed.err()).contains("priority").doesNotContain("com.fasterxml", "java.", "`");
    }

    /** Hostile review, defect 18: a 400's field error was printed in the summary line and again below it. */
    @Test
    void aFieldErrorIsPrintedOnce() {
        Cli.Result r = cli.run("jobs", "enqueue", "--type", "t", "--max-attempts", "0");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(r.err().split("maxAttempts", -1)).as(r.toString()).hasSize(2);
    }

    /** Hostile review, defect 19: an interrupted wait (Ctrl-C) exits 130. */
    @Test
    void anInterruptedWaitExits130() throws Exception {
        String id = Jobs.enqueue(api, "interrupt-q", Map.of()).path("id").asText();
        CompletableFuture<Cli.Result> result = new CompletableFuture<>();
        Thread t = new Thread(() -> result.complete(cli.run("jobs", "wait", id)));
        t.start();
        Thread.sleep(1500);
        t.interrupt();
        Cli.Result r = result.get(30, TimeUnit.SECONDS);
        assertThat(r.code()).as(r.toString()).isEqualTo(130);
        assertThat(r.err()).contains("interrupted").doesNotContain("java.");
    }

    private static int closedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void appendLog(JsonNode claimed, int seq, String message) {
        Api.Resp r = api.post("/api/v1/jobs/" + claimed.path("id").asText() + "/logs", Api.WORKER, Map.of(
                "leaseToken", claimed.path("leaseToken").asText(),
                "entries", List.of(Map.of("seq", seq, "level", "info", "message", message))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    private static void complete(JsonNode claimed) {
        Api.Resp r = api.post("/api/v1/jobs/" + claimed.path("id").asText() + "/complete", Api.WORKER,
                Map.of("leaseToken", claimed.path("leaseToken").asText(), "result", Map.of("ok", true)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    private static void fail(JsonNode claimed) {
        Api.Resp r = api.post("/api/v1/jobs/" + claimed.path("id").asText() + "/fail", Api.WORKER, Map.of(
                "leaseToken", claimed.path("leaseToken").asText(),
                "error", Map.of("message", "boom", "type", "Test", "retryable", false)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
}
