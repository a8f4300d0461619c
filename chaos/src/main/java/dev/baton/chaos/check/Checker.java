package dev.baton.chaos.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.chaos.workload.Op;
import dev.baton.chaos.workload.Producer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Holds the history and the database's final state to Baton's promise, one invariant at a time.
 * Each is a plain loop over the history or the rows; none trusts the coordinator's own answers
 * beyond what it acknowledged.
 */
public final class Checker {
    /** The coordinators' BATON_REAPER_INTERVAL_MS in a chaos run. */
    static final long REAPER_INTERVAL_MS = 500;

    private final List<Op> ops;
    private final DbState db;
    private final List<Window> windows;
    private final long tickEveryMs;

    /** {@code tickEveryMs}: how often the run's cron schedule ticks. */
    public Checker(List<Op> ops, DbState db, List<Window> windows, long tickEveryMs) {
        this.ops = ops;
        this.db = db;
        this.windows = windows;
        this.tickEveryMs = tickEveryMs;
    }

    public List<Verdict> run() {
        Timeline timeline = new Timeline(ops, db, windows);
        RowInvariants rows = new RowInvariants(db, timeline, tickEveryMs);
        return List.of(completedAtMostOnce(), resultIsTheCompletingAttempts(), acknowledgedEnqueuesStored(),
                enqueuedOnce(), acknowledgedCompletesHold(), versionsOneChain(), timeline.noReadOlderThanAnAck(),
                acknowledgedProgressKept(), acknowledgedLogLinesKept(), workerFlushesBeforeComplete(),
                staleWritesRefused(), rows.eventsFollowStateTable(), rows.uniqueKeyHeld(), timeline.deduplicatedToAnActiveJob(),
                rows.scheduleTicksOnce(), timeline.leasesEndedOnTime(REAPER_INTERVAL_MS), rows.noJobStuckRunning(),
                rows.noDueJobLeftQueued(), timeline.no5xxOutsideDatabaseFaults(),
                timeline.everyRequestAnsweredOutsideLinkFaults());
    }

    Verdict completedAtMostOnce() {
        Tally t = new Tally("at most one completion per job");
        db.jobs().values().forEach(job -> {
            long completions = events(job.id()).stream().filter(e -> e.type().equals("completed")).count();
            t.check(completions <= 1 && (completions == 1) == job.status().equals("succeeded"),
                    "job " + job.id() + " has " + completions + " completed events, status " + job.status());
        });
        return t.verdict();
    }

    Verdict resultIsTheCompletingAttempts() {
        Tally t = new Tally("a result is the completing attempt's");
        Map<String, Set<Integer>> sent = new HashMap<>();
        for (Op op : ops) {
            // a complete whose every answer was lost may have applied too
            if (op.outcome() != Op.Outcome.REFUSED && op.kind().equals("complete")) {
                sent.computeIfAbsent(op.jobId(), k -> new HashSet<>()).add(op.data().path("attempt").asInt());
            }
        }
        for (DbState.Row job : db.jobs().values()) {
            if (!job.status().equals("succeeded")) {
                continue;
            }
            int attempt = events(job.id()).stream().filter(e -> e.type().equals("completed"))
                    .mapToInt(DbState.Event::attempt).findFirst().orElse(-1);
            boolean holds = switch (job.type()) {
                case "baton.echo" -> job.payload().equals(job.result());
                case "baton.sleep" -> job.result().path("steps").asInt() == job.payload().path("steps").asInt(10);
                case "baton.fail" -> job.result().path("attempt").asInt() == attempt;
                case Producer.ADVERSARY_TYPE -> job.result().path("attempt").asInt() == attempt
                        && job.result().path("n").asText().equals(job.payload().path("n").asText())
                        && sent.getOrDefault(Long.toString(job.id()), Set.of()).contains(attempt);
                default -> true;
            };
            t.check(holds && attempt == job.attempt(), "job " + job.id() + " (" + job.type() + ") completed by attempt "
                    + attempt + " of " + job.attempt() + " holds result " + job.result());
        }
        return t.verdict();
    }

    Verdict acknowledgedEnqueuesStored() {
        Tally t = new Tally("every acknowledged enqueue is stored");
        for (Op op : ops) {
            if (!op.ok()) {
                continue;
            }
            if (op.kind().equals("enqueue")) {
                JsonNode request = op.data().path("request");
                DbState.Row row = db.jobs().get(Long.parseLong(op.data().path("id").asText()));
                boolean holds = row != null && (op.data().path("deduplicated").asBoolean()
                        ? Objects.equals(row.uniqueKey(), request.path("uniqueKey").asText(null))
                        : row.payload().equals(request.path("payload")));
                t.check(holds, "enqueue #" + op.seq() + " acknowledged job " + op.data().path("id").asText()
                        + " but the database holds " + (row == null ? "no such job" : row.payload()));
            } else if (op.kind().equals("enqueue_batch")) {
                JsonNode ids = op.data().path("ids");
                JsonNode sent = op.data().path("request").path("jobs");
                for (int i = 0; i < sent.size(); i++) {
                    DbState.Row row = i < ids.size() ? db.jobs().get(Long.parseLong(ids.get(i).asText())) : null;
                    t.check(row != null && row.payload().equals(sent.get(i).path("payload")),
                            "batch #" + op.seq() + " item " + i + " acknowledged but not stored as sent");
                }
            }
        }
        return t.verdict();
    }

    /** An enqueue resent under its Idempotency-Key after a lost answer must not have enqueued twice. */
    Verdict enqueuedOnce() {
        Tally t = new Tally("each payload enqueued once despite resends");
        Map<String, Long> byEcho = new HashMap<>();
        for (DbState.Row job : db.jobs().values()) {
            String echo = job.payload().path("echo").asText(job.payload().path("n").asText(null));
            if (echo == null) {
                continue;
            }
            Long other = byEcho.put(echo, job.id());
            t.check(other == null, "payload " + echo + " is in jobs " + other + " and " + job.id());
        }
        return t.verdict();
    }

    Verdict acknowledgedCompletesHold() {
        Tally t = new Tally("every acknowledged complete holds");
        for (Op op : ops) {
            if (op.ok() && op.kind().equals("complete")) {
                DbState.Row row = db.jobs().get(Long.parseLong(op.jobId()));
                int attempt = op.data().path("attempt").asInt();
                boolean completedByIt = row != null && row.status().equals("succeeded") && events(row.id()).stream()
                        .anyMatch(e -> e.type().equals("completed") && e.attempt() == attempt);
                t.check(completedByIt, "complete #" + op.seq() + " of job " + op.jobId() + " attempt " + attempt
                        + " was acknowledged but the job is " + (row == null ? "gone" : row.status()));
            }
        }
        return t.verdict();
    }

    /**
     * Each acknowledged change names the version it made; no two changes of one job may name the
     * same version (a lost commit would hand its version out again), and none may pass the row's.
     */
    Verdict versionsOneChain() {
        Tally t = new Tally("acknowledged versions form one chain per job");
        Map<String, Map<Long, String>> seen = new HashMap<>();
        for (Op op : ops) {
            if (!op.ok() && !op.kind().equals("progress_applied")) {
                continue;
            }
            switch (op.kind()) {
                case "claim" -> op.data().path("jobs").forEach(j -> version(t, seen, j.path("id").asText(),
                        j.path("version").asLong(), "claim/" + j.path("attempt").asInt(), op));
                case "progress", "progress_applied" -> {
                    version(t, seen, op.jobId(), op.data().path("version").asLong(), "progress#" + op.seq(), op);
                    plusOne(t, op);
                }
                case "complete", "fail" -> version(t, seen, op.jobId(), op.data().path("version").asLong(),
                        op.kind() + "/" + op.data().path("attempt").asInt(), op);
                case "cancel", "retry", "patch" -> {
                    version(t, seen, op.jobId(), op.data().path("version").asLong(), op.kind() + "#" + op.seq(), op);
                    plusOne(t, op);
                }
                case "bulk" -> op.data().path("succeeded").forEach(s -> version(t, seen, s.path("id").asText(),
                        s.path("version").asLong(), "bulk/" + op.data().path("key").asText(), op));
                default -> {
                }
            }
        }
        return t.verdict();
    }

    /** A change names the version it read; the version it made is exactly one more. */
    private static void plusOne(Tally t, Op op) {
        long expected = op.data().path("expectedVersion").asLong();
        long made = op.data().path("version").asLong();
        t.check(made == expected + 1, op.kind() + " #" + op.seq() + " of job " + op.jobId() + " read version " + expected
                + " and made " + made);
    }

    private void version(Tally t, Map<String, Map<Long, String>> seen, String jobId, long version, String change, Op op) {
        DbState.Row row = db.jobs().get(Long.parseLong(jobId));
        String before = seen.computeIfAbsent(jobId, k -> new HashMap<>()).putIfAbsent(version, change);
        t.check((before == null || before.equals(change)) && row != null && version <= row.version(),
                "job " + jobId + " version " + version + " acknowledged to " + change + " (op #" + op.seq() + ")"
                        + (before != null && !before.equals(change) ? " and before to " + before : "")
                        + (row == null ? ", job gone" : ", row at version " + row.version()));
    }

    /**
     * A succeeded job keeps its completing attempt's last acknowledged progress, or a later one
     * of that attempt whose answer was lost (it may have been applied).
     */
    Verdict acknowledgedProgressKept() {
        Tally t = new Tally("acknowledged progress kept");
        Map<String, List<Op>> sent = new HashMap<>();
        for (Op op : ops) {
            if (op.kind().equals("progress") || op.kind().equals("progress_applied")) {
                sent.computeIfAbsent(op.jobId() + "/" + op.data().path("attempt").asInt(), k -> new ArrayList<>()).add(op);
            }
        }
        for (DbState.Row job : db.jobs().values()) {
            if (!job.status().equals("succeeded") || !job.type().equals(Producer.ADVERSARY_TYPE)) {
                continue;
            }
            List<Op> attempt = sent.getOrDefault(job.id() + "/" + job.attempt(), List.of());
            int lastAcked = -1;
            for (int i = 0; i < attempt.size(); i++) {
                if (attempt.get(i).ok() || attempt.get(i).kind().equals("progress_applied")) {
                    lastAcked = i;
                }
            }
            if (lastAcked < 0) {
                continue;
            }
            Set<String> allowed = new HashSet<>();
            allowed.add(attempt.get(lastAcked).data().path("message").asText());
            attempt.subList(lastAcked + 1, attempt.size()).stream().filter(op -> op.outcome() == Op.Outcome.UNKNOWN)
                    .forEach(op -> allowed.add(op.data().path("message").asText()));
            String message = job.progress() == null ? null : job.progress().path("message").asText();
            Op acked = attempt.get(lastAcked);
            t.check(allowed.contains(message), "job " + job.id() + " acknowledged progress '"
                    + acked.data().path("message").asText() + "' (version " + acked.data().path("version").asLong()
                    + ") but holds " + job.progress());
        }
        return t.verdict();
    }

    Verdict acknowledgedLogLinesKept() {
        Tally t = new Tally("acknowledged log lines stored once, in order");
        Map<String, DbState.LogLine> stored = new HashMap<>();
        db.logs().forEach((job, lines) -> lines.forEach(l -> stored.put(job + "/" + l.attempt() + "/" + l.seq(), l)));
        for (Op op : ops) {
            if (op.ok() && op.kind().equals("logs")) {
                int attempt = op.data().path("attempt").asInt();
                for (JsonNode e : op.data().path("entries")) {
                    DbState.LogLine line = stored.get(op.jobId() + "/" + attempt + "/" + e.path("seq").asInt());
                    t.check(line != null && line.message().equals(e.path("message").asText()), "job " + op.jobId()
                            + " attempt " + attempt + " seq " + e.path("seq").asInt() + " acknowledged, stored: "
                            + (line == null ? "nothing" : line.message()));
                }
            }
        }
        // The adversary sends each attempt's lines in seq order, so they must read back in that order.
        db.logs().forEach((job, lines) -> {
            DbState.Row row = db.jobs().get(job);
            if (row == null || !row.type().equals(Producer.ADVERSARY_TYPE)) {
                return;
            }
            Map<Integer, Integer> lastSeq = new HashMap<>();
            for (DbState.LogLine l : lines) {
                Integer before = lastSeq.put(l.attempt(), l.seq());
                t.check(before == null || before < l.seq(), "job " + job + " attempt " + l.attempt() + " reads seq "
                        + l.seq() + " after seq " + before);
            }
        });
        return t.verdict();
    }

    /**
     * The Java worker flushes a job's lines and last progress before it completes: a baton.sleep
     * job that succeeded holds "step i of n" for every step of its completing attempt, once each,
     * in order, and progress n of n.
     */
    Verdict workerFlushesBeforeComplete() {
        Tally t = new Tally("worker jobs: every line and progress before complete");
        for (DbState.Row job : db.jobs().values()) {
            if (!job.status().equals("succeeded") || !job.type().equals("baton.sleep")) {
                continue;
            }
            int steps = job.payload().path("steps").asInt(10);
            List<String> lines = db.logs().getOrDefault(job.id(), List.of()).stream()
                    .filter(l -> l.attempt() == job.attempt()).map(DbState.LogLine::message).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= steps; i++) {
                expected.add("step " + i + " of " + steps);
            }
            boolean progressDone = job.progress() != null && job.progress().path("current").asLong() == steps;
            t.check(lines.equals(expected) && progressDone, "job " + job.id() + " attempt " + job.attempt()
                    + " completed with lines " + lines + " and progress " + job.progress());
        }
        return t.verdict();
    }

    /**
     * A write with a stale version or an expired lease must be refused. An attempt with a heartbeat
     * whose answer never came is left out of the lease half: that heartbeat may have renewed the
     * lease after the client gave up on it (a reset link, a paused coordinator), so its "late"
     * writes may still hold the lease.
     */
    Verdict staleWritesRefused() {
        Tally t = new Tally("stale versions and lapsed leases refused");
        Set<String> renewedUnseen = new HashSet<>();
        for (Op op : ops) {
            String attempt = op.jobId() + "/" + op.data().path("attempt").asInt();
            boolean stale = switch (op.kind()) {
                case "heartbeat" -> {
                    if (op.outcome() == Op.Outcome.UNKNOWN) {
                        renewedUnseen.add(attempt);
                    }
                    yield false;
                }
                case "complete_late", "progress_late", "logs_late", "heartbeat_late", "fail_late" ->
                        !renewedUnseen.contains(attempt);
                case "progress_stale" -> true;
                case "cancel", "retry", "patch" -> op.data().path("stale").asBoolean();
                default -> false;
            };
            if (stale && op.outcome() != Op.Outcome.UNKNOWN) {
                t.check(!op.ok(), op.kind() + " #" + op.seq() + " on job " + op.jobId() + " was accepted");
            }
        }
        return t.verdict();
    }

    private List<DbState.Event> events(long job) {
        return db.events().getOrDefault(job, List.of());
    }
}
