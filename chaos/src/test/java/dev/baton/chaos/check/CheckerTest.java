package dev.baton.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.chaos.workload.Op;
import dev.baton.chaos.workload.Producer;
import dev.baton.common.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker finds each kind of broken promise in a small planted history, and passes a clean one. */
class CheckerTest {
    final Map<Long, DbState.Row> jobs = new HashMap<>();
    final Map<Long, List<DbState.Event>> events = new HashMap<>();
    final Map<Long, List<DbState.LogLine>> logs = new HashMap<>();
    final List<Op> ops = new ArrayList<>();
    final List<Window> windows = new ArrayList<>();
    final List<DbState.Tick> ticks = new ArrayList<>();
    long eventId;

    @Test
    void aCleanHistoryPassesEveryInvariant() {
        adversaryJobCompleted(1);
        assertThat(verdicts()).allMatch(Verdict::passed);
    }

    @Test
    void twoCompletionsOfOneJobAreFound() {
        adversaryJobCompleted(1);
        event(1, "completed", "running", "succeeded", 1);
        assertThat(failed()).contains("at most one completion per job", "every event sequence follows the state table");
    }

    @Test
    void anAcknowledgedEnqueueMissingFromTheDatabaseIsFound() {
        ObjectNode request = Json.mapper().createObjectNode().put("type", "baton.echo");
        request.putObject("payload").put("echo", "x");
        ops.add(op("enqueue", "99", 201, data().put("id", "99").put("deduplicated", false).set("request", request)));
        assertThat(failed()).containsExactly("every acknowledged enqueue is stored");
    }

    @Test
    void aVersionAcknowledgedTwiceIsALostCommit() {
        adversaryJobCompleted(1);
        // a second progress ack naming version 3, which the first progress ack already had
        ops.add(op("progress", "1", 200, data().put("attempt", 1).put("version", 3).put("message", "again")));
        assertThat(failed()).contains("acknowledged versions form one chain per job");
    }

    @Test
    void progressOlderThanTheLastAcknowledgedIsLostButALaterUnansweredOneMayHaveLanded() {
        adversaryJobCompleted(1);
        ops.add(op("progress", "1", 200, data().put("attempt", 1).put("version", 5).put("message", "step 2")));
        assertThat(failed()).contains("acknowledged progress kept");
        ops.add(op("progress", "1", 0, data().put("attempt", 1).put("message", "step 9")));
        assertThat(failed()).contains("acknowledged progress kept");
        ops.add(op("progress", "1", 200, data().put("attempt", 1).put("version", 6).put("message", "step 3")));
        ops.add(op("progress", "1", 0, data().put("attempt", 1).put("message", "step 1")));
        assertThat(failed()).doesNotContain("acknowledged progress kept");
    }

    @Test
    void anAcknowledgedLogLineMissingIsFound() {
        adversaryJobCompleted(1);
        logs.get(1L).remove(0);
        assertThat(failed()).containsExactly("acknowledged log lines stored once, in order");
    }

    @Test
    void aStaleWriteAcceptedIsFound() {
        adversaryJobCompleted(1);
        ops.add(op("progress_stale", "1", 200, data().put("attempt", 1)));
        assertThat(failed()).containsExactly("stale versions and lapsed leases refused");
    }

    @Test
    void aLateWriteAcceptedAfterAHeartbeatOfUnknownOutcomeIsNoViolationButOtherwiseIs() {
        adversaryJobCompleted(1);
        ops.add(op("heartbeat_late", "1", 200, data().put("attempt", 1)));
        assertThat(failed()).as("a late heartbeat accepted with the lease known").containsExactly(
                "stale versions and lapsed leases refused");
        // A heartbeat whose answer was lost may have renewed the lease after the client gave up
        // (seed 2 of soak 6: a reset link); the "late" writes then still hold it.
        windows.add(new Window("reset-client", 0, 9_990, 10_020));
        ops.add(ops.size() - 1, op("heartbeat", "1", 0, data().put("attempt", 1)));
        ops.add(op("fail_late", "1", 200, data().put("attempt", 1)));
        assertThat(failed()).isEmpty();
        // ... but only for that attempt, and never for a stale version
        ops.add(op("complete_late", "1", 200, data().put("attempt", 2)));
        ops.add(op("progress_stale", "1", 200, data().put("attempt", 1)));
        assertThat(verdicts()).filteredOn(v -> !v.passed()).singleElement()
                .satisfies(v -> assertThat(v.violations()).isEqualTo(2));
    }

    @Test
    void a503OutsideAFaultAndAny500AreFound() {
        adversaryJobCompleted(1);
        ops.add(op("claim", null, 503, data()));
        assertThat(failed()).containsExactly("5xx only while the database is away, never a 500");
        windows.add(new Window("cut-postgres", 0, 0, 2_000));
        assertThat(failed()).isEmpty();
        ops.add(op("claim", null, 500, data()));
        assertThat(failed()).containsExactly("5xx only while the database is away, never a 500");
    }

    @Test
    void aResultNotTheCompletingAttemptsIsFound() {
        adversaryJobCompleted(1);
        DbState.Row r = jobs.get(1L);
        jobs.put(1L, new DbState.Row(1, r.queue(), r.type(), r.payload(), r.status(), r.attempt(), r.version(),
                r.progress(), json("{\"n\": \"p1\", \"attempt\": 2}"), null, false, false, 0));
        assertThat(failed()).containsExactly("a result is the completing attempt's");
    }

    @Test
    void twoActiveJobsUnderOneUniqueKeyAreFound() {
        for (long id = 1; id <= 2; id++) {
            jobs.put(id, new DbState.Row(id, "chaos", "baton.echo", json("{\"echo\": \"e" + id + "\"}"), "queued", 0, 1,
                    null, null, "u-1", false, false, 0));
            event(id, "enqueued", null, "queued", 0);
        }
        assertThat(failed()).containsExactly("uniqueKey: one active job per key at a time");
    }

    @Test
    void aMissedScheduleTickIsFound() {
        tick(100, "2026-12-07T05:00:00Z");
        tick(101, "2026-12-07T05:00:05Z");
        assertThat(failed()).isEmpty();
        tick(102, "2026-12-07T05:00:15Z");
        assertThat(failed()).containsExactly("each schedule tick enqueued once");
    }

    private void tick(long id, String at) {
        jobs.put(id, new DbState.Row(id, "chaos", "baton.echo", json("{\"tick\": true}"), "queued", 0, 1, null, null,
                "schedule:s:" + at, false, false, 0));
        event(id, "enqueued", null, "queued", 0);
        ticks.add(new DbState.Tick("s", java.time.Instant.parse(at).toEpochMilli(), id));
    }

    @Test
    void aWorkerJobCompletedWithoutItsLinesIsFound() {
        jobs.put(7L, new DbState.Row(7, "chaos", "baton.sleep", json("{\"steps\": 2}"), "succeeded", 1, 5,
                json("{\"current\": 2}"), json("{\"steps\": 2}"), null, false, false, 0));
        event(7, "enqueued", null, "queued", 0);
        event(7, "claimed", "queued", "running", 1);
        event(7, "completed", "running", "succeeded", 1);
        logs.put(7L, new ArrayList<>(List.of(new DbState.LogLine(1, 1, "step 1 of 2", 1))));
        assertThat(failed()).containsExactly("worker jobs: every line and progress before complete");
        logs.get(7L).add(new DbState.LogLine(1, 2, "step 2 of 2", 2));
        assertThat(failed()).isEmpty();
    }

    @Test
    void aReadOlderThanAnEarlierAcknowledgementIsALostWrite() {
        adversaryJobCompleted(1);
        ObjectNode list = data();
        list.putArray("seen").addArray().add(1).add(2);
        ops.add(new Op(99, "test", "list", null, 0, 20_000, 20_010, Op.Outcome.OK, 200, null, list));
        assertThat(failed()).containsExactly("no answer older than an earlier acknowledgement");
        ops.removeLast();
        ObjectNode refused = data();
        refused.putObject("current").put("version", 3);
        ops.add(new Op(99, "test", "progress", "1", 0, 20_000, 20_010, Op.Outcome.REFUSED, 409, "version_conflict",
                refused));
        assertThat(failed()).containsExactly("no answer older than an earlier acknowledgement");
    }

    /**
     * Soak 10, seed 6: a fail whose first send applied (its answer lost) and was resent after the
     * job was claimed again is answered with the job as the fail left it (finding 14): older than
     * what was acknowledged meanwhile, but not than what came before the first send.
     */
    @Test
    void aResentFailMayAnswerTheVersionItsFirstSendWroteButNothingOlder() {
        adversaryJobCompleted(1); // acknowledges versions 2 to 4 between 10,000 and 10,010 ms
        ops.add(new Op(90, "test", "fail", "1", 0, 20_000, 30_000, Op.Outcome.UNKNOWN, 0, null,
                data().put("attempt", 2)));
        ops.add(new Op(91, "test", "progress", "1", 0, 31_000, 31_010, Op.Outcome.OK, 200, null,
                data().put("attempt", 3).put("version", 7).put("message", "step 1")));
        ops.add(new Op(92, "test", "fail", "1", 0, 32_000, 32_010, Op.Outcome.OK, 200, null,
                data().put("attempt", 2).put("version", 5)));
        assertThat(failed()).doesNotContain("no answer older than an earlier acknowledgement");
        ops.removeLast();
        ops.add(new Op(92, "test", "fail", "1", 0, 32_000, 32_010, Op.Outcome.OK, 200, null,
                data().put("attempt", 2).put("version", 3)));
        assertThat(failed()).contains("no answer older than an earlier acknowledgement");
        ops.removeLast();
        ops.add(new Op(92, "test", "complete", "1", 0, 32_000, 32_010, Op.Outcome.OK, 200, null,
                data().put("attempt", 2).put("version", 5)));
        assertThat(failed()).as("a complete is not a resend of a fail").contains(
                "no answer older than an earlier acknowledgement");
    }

    /**
     * Soak 12, seed 14: a bulk under an Idempotency-Key whose first send cancelled the job (its
     * answer lost: no answer in 10 s), then an admin retried the job (acknowledged), then the bulk
     * was resent with the same key and answered, as the protocol says, with what its first send
     * did: the cancel's version, older than the retry's.
     */
    @Test
    void aResentKeyedBulkMayAnswerWhatItsFirstSendDidButNothingOlder() {
        adversaryJobCompleted(1); // acknowledges versions 2 to 4 between 10,000 and 10,010 ms
        ops.add(new Op(90, "test", "bulk", null, 0, 20_000, 30_000, Op.Outcome.UNKNOWN, 0, null,
                data().put("key", "k1")));
        ops.add(new Op(91, "test", "retry", "1", 0, 21_000, 21_010, Op.Outcome.OK, 200, null,
                data().put("version", 6)));
        ObjectNode resent = data().put("key", "k1");
        resent.putArray("succeeded").addObject().put("id", "1").put("version", 5);
        ops.add(new Op(92, "test", "bulk", null, 0, 30_000, 30_010, Op.Outcome.OK, 200, null, resent));
        assertThat(failed()).doesNotContain("no answer older than an earlier acknowledgement");
        ops.removeLast();
        ObjectNode older = data().put("key", "k1");
        older.putArray("succeeded").addObject().put("id", "1").put("version", 3);
        ops.add(new Op(92, "test", "bulk", null, 0, 30_000, 30_010, Op.Outcome.OK, 200, null, older));
        assertThat(failed()).as("older than what came before the first send").contains(
                "no answer older than an earlier acknowledgement");
        ops.removeLast();
        ObjectNode otherKey = data().put("key", "k2");
        otherKey.putArray("succeeded").addObject().put("id", "1").put("version", 5);
        ops.add(new Op(92, "test", "bulk", null, 0, 30_000, 30_010, Op.Outcome.OK, 200, null, otherKey));
        assertThat(failed()).as("another key is another operation").contains(
                "no answer older than an earlier acknowledgement");
    }

    @Test
    void anEventOfTheWrongKindForItsMoveIsFound() {
        adversaryJobCompleted(1);
        events.get(1L).add(2, new DbState.Event(99, "progress", "queued", "queued", 1, 10_000));
        assertThat(failed()).contains("every event sequence follows the state table");
    }

    @Test
    void a503WhileAnotherCoordinatorsFaultHoldsRowsIsExcusedOnlyUntilItsTransactionsAreEnded() {
        adversaryJobCompleted(1);
        windows.add(new Window("pause-coordinator", 1, 9_000, 12_000));
        ops.add(new Op(99, "test", "heartbeat", null, 0, 10_000, 13_000, Op.Outcome.UNKNOWN, 503, "unavailable", data()));
        assertThat(failed()).as("waited on a row the paused coordinator holds").isEmpty();
        ops.add(new Op(100, "test", "heartbeat", null, 0, 20_000, 23_000, Op.Outcome.UNKNOWN, 503, "unavailable", data()));
        assertThat(failed()).as("long after the pause: its transaction was ended by then")
                .containsExactly("5xx only while the database is away, never a 500");
        ops.removeLast();
        ops.add(new Op(100, "test", "heartbeat", null, 0, 10_000, 10_010, Op.Outcome.UNKNOWN, 500, "internal", data()));
        assertThat(failed()).as("never a 500").containsExactly("5xx only while the database is away, never a 500");
    }

    @Test
    void a503DuringARedisFaultAndNoAnswerOutsideALinkFaultAreFound() {
        adversaryJobCompleted(1);
        windows.add(new Window("cut-redis", 0, 9_000, 12_000));
        ops.add(new Op(99, "test", "claim", null, 0, 10_000, 10_010, Op.Outcome.UNKNOWN, 503, "unavailable", data()));
        assertThat(failed()).containsExactly("5xx only while the database is away, never a 500");
        ops.removeLast();
        ops.add(new Op(99, "test", "claim", null, 0, 10_000, 10_010, Op.Outcome.UNKNOWN, 0, null, data()));
        assertThat(failed()).containsExactly("every request answered unless its link was down");
        windows.add(new Window("blackhole-client", 0, 9_000, 9_500));
        assertThat(failed()).isEmpty();
    }

    @Test
    void aLeaseEndedEarlyOrLongAfterItsExpiryIsFound() {
        long expiresAt = java.time.Instant.parse("2026-12-07T05:00:20Z").toEpochMilli();
        for (long[] at : new long[][] {{expiresAt - 5_000, 1}, {expiresAt + 30_000, 1}, {expiresAt + 300, 0}}) {
            jobs.clear();
            events.clear();
            ops.clear();
            jobs.put(3L, new DbState.Row(3, Producer.ADVERSARY_QUEUE, Producer.ADVERSARY_TYPE, json("{\"n\": \"p3\"}"),
                    "queued", 1, 3, null, null, null, false, false, 0));
            event(3, "enqueued", null, "queued", 0);
            event(3, "claimed", "queued", "running", 1);
            events.get(3L).add(new DbState.Event(++eventId, "lease_expired", "running", "queued", 1, at[0]));
            ObjectNode claimed = data();
            claimed.putArray("jobs").addObject().put("id", "3").put("attempt", 1).put("version", 2)
                    .put("expiresAt", "2026-12-07T05:00:20Z");
            ops.add(op("claim", null, 200, claimed));
            if (at[1] == 1) {
                assertThat(failed()).as("ended at %d", at[0]).containsExactly("lapsed leases ended on time, never early");
            } else {
                assertThat(failed()).isEmpty();
            }
        }
    }

    /** Job {@code id} of the adversary: enqueued, claimed (v2), one progress (v3) and log line, completed (v4). */
    private void adversaryJobCompleted(long id) {
        String sid = Long.toString(id);
        JsonNode payload = json("{\"n\": \"p" + id + "\"}");
        jobs.put(id, new DbState.Row(id, Producer.ADVERSARY_QUEUE, Producer.ADVERSARY_TYPE, payload, "succeeded", 1, 4,
                json("{\"current\": 1, \"message\": \"step 1\"}"), json("{\"n\": \"p" + id + "\", \"attempt\": 1}"), null,
                false, false, 1));
        event(id, "enqueued", null, "queued", 0);
        event(id, "claimed", "queued", "running", 1);
        event(id, "progress", "running", "running", 1);
        event(id, "completed", "running", "succeeded", 1);
        logs.computeIfAbsent(id, k -> new ArrayList<>()).add(new DbState.LogLine(1, 1, "line 1", 1));
        ObjectNode claimed = data();
        claimed.putArray("jobs").addObject().put("id", sid).put("attempt", 1).put("version", 2);
        ops.add(op("claim", null, 200, claimed));
        ops.add(op("progress", sid, 200, data().put("attempt", 1).put("expectedVersion", 2).put("version", 3)
                .put("message", "step 1")));
        ObjectNode lines = data().put("attempt", 1);
        lines.putArray("entries").addObject().put("seq", 1).put("message", "line 1");
        ops.add(op("logs", sid, 200, lines));
        ops.add(op("complete", sid, 200, data().put("attempt", 1).put("version", 4)));
        ops.add(op("complete", sid, 200, data().put("attempt", 1).put("version", 4)));
    }

    private void event(long job, String type, String from, String to, int attempt) {
        events.computeIfAbsent(job, k -> new ArrayList<>()).add(new DbState.Event(++eventId, type, from, to, attempt, 10_000));
    }

    private Op op(String kind, String jobId, int status, JsonNode data) {
        Op.Outcome outcome = status / 100 == 2 ? Op.Outcome.OK : status / 100 == 4 ? Op.Outcome.REFUSED : Op.Outcome.UNKNOWN;
        return new Op(ops.size() + 1, "test", kind, jobId, 0, 10_000, 10_010, outcome, status, null, data);
    }

    private List<Verdict> verdicts() {
        return new Checker(ops, new DbState(jobs, events, logs, ticks), windows, 5000).run();
    }

    private List<String> failed() {
        return verdicts().stream().filter(v -> !v.passed()).map(Verdict::invariant).toList();
    }

    private static ObjectNode data() {
        return Json.mapper().createObjectNode();
    }

    private static JsonNode json(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
