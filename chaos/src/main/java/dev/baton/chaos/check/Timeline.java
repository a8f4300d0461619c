package dev.baton.chaos.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.chaos.workload.Op;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The invariants that need real time: what a client saw may not be older than what was
 * acknowledged before it asked, a deduplicated enqueue points at a job active at that moment,
 * schedule ticks come every period, and errors come only while a fault can explain them.
 * Client times are the harness's wall clock, event times the database's: both on this machine.
 */
final class Timeline {
    /** The slack between the two clocks and the ends of an operation. */
    static final long SLACK_MS = 1000;
    /** Longest a fault's effect may outlast its heal when the coordinator never answers 2xx after it. */
    static final long MAX_RECOVERY_MS = 60_000;
    /** Faults that take the database away from the coordinator they hit (-1: from every coordinator). */
    static final Set<String> DATABASE_FAULTS = Set.of("restart-postgres", "cut-postgres", "blackhole-postgres",
            "slow-postgres", "postgres-cut-during-kill");
    /**
     * Faults that can leave a coordinator's transaction holding rows that every other coordinator's
     * requests then wait for: it is stopped, killed, or its link to PostgreSQL is slowed or silent.
     * PostgreSQL ends such a transaction once idle past the socket timeout (5 s in a run), so waits
     * on its rows end within the statement timeout (3 s) of that: {@link #PEER_HOLD_MS} after the heal.
     */
    static final Set<String> PEER_HOLDING_FAULTS = Set.of("pause-coordinator", "kill-coordinator",
            "both-coordinators-down", "cut-postgres", "blackhole-postgres", "slow-postgres", "postgres-cut-during-kill");
    static final long PEER_HOLD_MS = 3_000;
    /** Faults that take a coordinator, or the link to it, away from its clients. */
    static final Set<String> LINK_FAULTS = Set.of("kill-coordinator", "pause-coordinator", "both-coordinators-down",
            "postgres-cut-during-kill", "cut-client", "blackhole-client", "reset-client");

    private final List<Op> ops;
    private final DbState db;
    private final List<Window> windows;
    private final Map<Window, Map<String, Long>> recoveries = new HashMap<>();

    Timeline(List<Op> ops, DbState db, List<Window> windows) {
        this.ops = ops;
        this.db = db;
        this.windows = windows;
    }

    /** An acknowledged version of a job, and when its answer came. */
    private record Ack(long version, long endMs, boolean replayable) {
    }

    /**
     * No answer may show a job older than a version acknowledged before the question was asked:
     * a later change names a higher version, and a read (a list, the job in a 409) not a lower one.
     */
    Verdict noReadOlderThanAnAck() {
        Tally t = new Tally("no answer older than an earlier acknowledgement");
        Map<String, List<Ack>> acks = new HashMap<>();
        for (Op op : ops) {
            forEachAck(op, (job, version, replayable) -> acks.computeIfAbsent(job, k -> new ArrayList<>())
                    .add(new Ack(version, op.endMs(), replayable)));
        }
        Map<String, Long> firstSends = firstSends();
        for (Op op : ops) {
            forEachAck(op, (job, version, replayable) -> {
                // A resent complete or fail, or a bulk resent under its Idempotency-Key, is the same
                // operation as its first send: answered with the job as that send left it
                // (docs/protocol.md), it may be older than what was acknowledged since, but not older
                // than what was acknowledged before the first send.
                long asked = replayable ? Math.min(op.startMs(), firstSends.getOrDefault(sendKey(op), op.startMs()))
                        : op.startMs();
                Ack before = newestBefore(acks.get(job), asked);
                t.check(before == null || version > before.version() || (replayable && version == before.version()),
                        op.kind() + " #" + op.seq() + " acknowledged version " + version + " of job " + job
                                + " after version " + (before == null ? "-" : before.version()) + " was");
            });
            JsonNode current = op.data().path("current");
            if (current.has("version")) {
                Ack before = newestBefore(acks.get(op.jobId()), op.startMs());
                t.check(before == null || current.path("version").asLong() >= before.version(), op.kind() + " #"
                        + op.seq() + " refused with job " + op.jobId() + " at version " + current.path("version").asLong()
                        + " after version " + (before == null ? "-" : before.version()) + " was acknowledged");
            }
            for (JsonNode seen : op.data().path("seen")) {
                String job = Long.toString(seen.get(0).asLong());
                Ack before = newestBefore(acks.get(job), op.startMs());
                t.check(before == null || seen.get(1).asLong() >= before.version(), "list #" + op.seq() + " showed job "
                        + job + " at version " + seen.get(1).asLong() + " after version "
                        + (before == null ? "-" : before.version()) + " was acknowledged");
            }
        }
        return t.verdict();
    }

    /**
     * When each complete or fail was first sent with no answer ((kind, job, attempt) to the earliest
     * start), and each keyed bulk first sent (its key to the earliest start of any send: a 503 under
     * a key may have done part of it too).
     */
    private Map<String, Long> firstSends() {
        Map<String, Long> first = new HashMap<>();
        for (Op op : ops) {
            if ((op.kind().equals("complete") || op.kind().equals("fail")) && op.outcome() == Op.Outcome.UNKNOWN
                    || keyedBulk(op)) {
                first.merge(sendKey(op), op.startMs(), Math::min);
            }
        }
        return first;
    }

    private static boolean keyedBulk(Op op) {
        return op.kind().equals("bulk") && op.data().hasNonNull("key");
    }

    private static String sendKey(Op op) {
        return keyedBulk(op) ? "bulk/" + op.data().path("key").asText()
                : op.kind() + "/" + op.jobId() + "/" + op.data().path("attempt").asInt();
    }

    private interface AckSink {
        void accept(String job, long version, boolean replayable);
    }

    /**
     * The versions {@code op} acknowledged; a resent complete or fail, or a resent keyed bulk, is
     * answered with its first versions again.
     */
    private static void forEachAck(Op op, AckSink sink) {
        if (!op.ok() && !op.kind().equals("progress_applied")) {
            return;
        }
        switch (op.kind()) {
            case "claim" -> op.data().path("jobs").forEach(j -> sink.accept(j.path("id").asText(),
                    j.path("version").asLong(), false));
            case "progress", "progress_applied", "cancel", "retry", "patch" -> sink.accept(op.jobId(),
                    op.data().path("version").asLong(), false);
            case "complete", "fail" -> sink.accept(op.jobId(), op.data().path("version").asLong(), true);
            case "bulk" -> op.data().path("succeeded").forEach(s -> sink.accept(s.path("id").asText(),
                    s.path("version").asLong(), keyedBulk(op)));
            default -> {
            }
        }
    }

    private static Ack newestBefore(List<Ack> acks, long startMs) {
        Ack newest = null;
        if (acks != null) {
            for (Ack a : acks) {
                if (a.endMs() < startMs && (newest == null || a.version() > newest.version())) {
                    newest = a;
                }
            }
        }
        return newest;
    }

    /**
     * An adversary's lease that lapsed is ended neither before it expired (the latest expiry a
     * claim or heartbeat acknowledged) nor much after: within the reaper's interval, unless the
     * database or a coordinator was away meanwhile. Attempts with a heartbeat of unknown outcome
     * are left out (their expiry is not known).
     */
    Verdict leasesEndedOnTime(long reaperIntervalMs) {
        Tally t = new Tally("lapsed leases ended on time, never early");
        Map<String, Long> expiry = new HashMap<>();
        Set<String> unknown = new java.util.HashSet<>();
        for (Op op : ops) {
            if (op.kind().equals("claim") && op.ok()) {
                op.data().path("jobs").forEach(j -> {
                    if (!j.path("expiresAt").asText().isEmpty()) {
                        expiry.merge(j.path("id").asText() + "/" + j.path("attempt").asInt(),
                                Instant.parse(j.path("expiresAt").asText()).toEpochMilli(), Math::max);
                    }
                });
            } else if (op.kind().equals("heartbeat")) {
                String key = op.jobId() + "/" + op.data().path("attempt").asInt();
                if (op.ok()) {
                    expiry.merge(key, Instant.parse(op.data().path("expiresAt").asText()).toEpochMilli(), Math::max);
                } else if (op.outcome() == Op.Outcome.UNKNOWN) {
                    unknown.add(key);
                }
            }
        }
        expiry.forEach((key, expiresAt) -> {
            if (unknown.contains(key)) {
                return;
            }
            String[] parts = key.split("/");
            int attempt = Integer.parseInt(parts[1]);
            for (DbState.Event e : db.events().getOrDefault(Long.parseLong(parts[0]), List.of())) {
                if (e.type().equals("lease_expired") && e.attempt() == attempt) {
                    boolean notEarly = e.atMs() >= expiresAt - SLACK_MS;
                    boolean excused = windows.stream().anyMatch(w -> (DATABASE_FAULTS.contains(w.kind())
                            || w.kind().endsWith("-coordinator") || w.kind().equals("both-coordinators-down"))
                            && w.startMs() <= e.atMs() && w.healedMs() + MAX_RECOVERY_MS >= expiresAt);
                    boolean onTime = e.atMs() <= expiresAt + reaperIntervalMs + 2 * SLACK_MS || excused;
                    t.check(notEarly && onTime, "job " + parts[0] + " attempt " + attempt + ": lease expiring at "
                            + Instant.ofEpochMilli(expiresAt) + " ended at " + Instant.ofEpochMilli(e.atMs()));
                }
            }
        });
        return t.verdict();
    }

    /** A 200 to an enqueue with a uniqueKey names a job with that key that was queued or running meanwhile. */
    Verdict deduplicatedToAnActiveJob() {
        Tally t = new Tally("a deduplicated enqueue names a job then active");
        // A resend under the same Idempotency-Key is answered with the first try's answer, made when that try arrived.
        Map<String, Long> firstTry = new HashMap<>();
        for (Op op : ops) {
            if (op.kind().equals("enqueue")) {
                firstTry.merge(op.data().path("key").asText(), op.startMs(), Math::min);
            }
        }
        for (Op op : ops) {
            if (!op.ok() || !op.kind().equals("enqueue") || !op.data().path("deduplicated").asBoolean()) {
                continue;
            }
            long asked = firstTry.get(op.data().path("key").asText());
            long id = Long.parseLong(op.data().path("id").asText());
            boolean active = false;
            long since = -1;
            for (DbState.Event e : db.events().getOrDefault(id, List.of())) {
                boolean on = e.to() != null && (e.to().equals("queued") || e.to().equals("running"));
                if (on && since < 0) {
                    since = e.atMs();
                } else if (!on && since >= 0) {
                    active |= since <= op.endMs() + SLACK_MS && e.atMs() >= asked - SLACK_MS;
                    since = -1;
                }
            }
            active |= since >= 0 && since <= op.endMs() + SLACK_MS;
            t.check(active, "enqueue #" + op.seq() + " was answered with job " + id + ", not active then");
        }
        return t.verdict();
    }

    /**
     * The run's schedule ticks, read from the uniqueKeys of the jobs they enqueued (the ticks'
     * own rows go with the schedule when the drain deletes it): one every period, none missing,
     * from the first after the schedule was put to the last before it was deleted.
     */
    void tickEvery(Tally t, long periodMs) {
        List<Long> ticks = new ArrayList<>();
        for (DbState.Row job : db.jobs().values()) {
            String key = job.uniqueKey();
            if (key != null && key.startsWith("schedule:")) {
                ticks.add(Instant.parse(key.split(":", 3)[2]).toEpochMilli());
            }
        }
        ticks.sort(null);
        for (int i = 1; i < ticks.size(); i++) {
            long gap = ticks.get(i) - ticks.get(i - 1);
            t.check(gap == periodMs, gap + " ms between the ticks at " + Instant.ofEpochMilli(ticks.get(i - 1))
                    + " and " + Instant.ofEpochMilli(ticks.get(i)));
        }
        long put = ops.stream().filter(o -> o.ok() && o.kind().equals("schedule_put")).mapToLong(Op::endMs).min()
                .orElse(-1);
        long deleted = ops.stream().filter(o -> o.ok() && o.kind().equals("schedule_delete")).mapToLong(Op::startMs)
                .min().orElse(-1);
        if (put > 0 && deleted > 0) {
            t.check(!ticks.isEmpty() && ticks.getFirst() <= put + periodMs + SLACK_MS, "no tick within " + periodMs
                    + " ms of the schedule's PUT");
            t.check(!ticks.isEmpty() && ticks.getLast() >= deleted - periodMs - 3 * SLACK_MS, "no tick in the "
                    + periodMs + " ms before the schedule's DELETE");
        }
    }

    /**
     * A 5xx only while the database is away from the coordinator that answered (until it answers
     * 2xx again after the heal), or while that coordinator starts again; never a 500.
     */
    Verdict no5xxOutsideDatabaseFaults() {
        Tally t = new Tally("5xx only while the database is away, never a 500");
        for (Op op : ops) {
            if (op.status() >= 500) {
                boolean excused = explains(op, w -> DATABASE_FAULTS.contains(w.kind())
                        || w.kind().equals("kill-coordinator") || w.kind().equals("both-coordinators-down")
                        || w.kind().equals("pause-coordinator"), null) || heldByAPeer(op);
                t.check(op.status() != 500 && excused, op.kind() + " #" + op.seq() + " got " + op.status() + " "
                        + op.code() + " from coordinator " + op.coordinator() + " at " + op.startMs());
            }
        }
        return t.verdict();
    }

    /** A 503 while another coordinator's fault could hold the rows this request waited for (the "database away" of a shared row). */
    private boolean heldByAPeer(Op op) {
        return op.status() == 503 && windows.stream().anyMatch(w -> PEER_HOLDING_FAULTS.contains(w.kind())
                && w.coordinator() >= 0 && w.coordinator() != op.coordinator()
                && op.endMs() >= w.startMs() - SLACK_MS && op.startMs() <= w.healedMs() + PEER_HOLD_MS + SLACK_MS);
    }

    /**
     * No answer at all (a reset, a timeout) only while the coordinator or the link to it is down,
     * until the client asking has been answered by that coordinator again: a connection it kept
     * open through the fault is found broken only when it next uses it.
     */
    Verdict everyRequestAnsweredOutsideLinkFaults() {
        Tally t = new Tally("every request answered unless its link was down");
        for (Op op : ops) {
            if (op.status() == 0) {
                t.check(explains(op, w -> LINK_FAULTS.contains(w.kind()), op.client()), op.kind() + " #" + op.seq()
                        + " of " + op.client() + " got no answer from coordinator " + op.coordinator() + " at "
                        + op.startMs());
            }
        }
        return t.verdict();
    }

    private interface Kinds {
        boolean test(Window w);
    }

    /** Whether a fault of {@code kinds} on the op's coordinator was on, or not yet recovered from (for {@code client}, if given). */
    private boolean explains(Op op, Kinds kinds, String client) {
        for (Window w : windows) {
            boolean hits = w.coordinator() < 0 || w.coordinator() == op.coordinator()
                    || w.kind().equals("postgres-cut-during-kill");
            if (kinds.test(w) && hits && op.endMs() >= w.startMs() - SLACK_MS
                    && op.startMs() <= recovered(w, op.coordinator(), client) + SLACK_MS) {
                return true;
            }
        }
        return false;
    }

    /** When coordinator {@code c} first answered 2xx (to {@code client}, if given) a request sent after {@code w} healed. */
    private long recovered(Window w, int c, String client) {
        return recoveries.computeIfAbsent(w, k -> new HashMap<>())
                .computeIfAbsent(c + "/" + client, k -> firstAnswerAfter(w, c, client));
    }

    private long firstAnswerAfter(Window w, int c, String client) {
        // a client's connection broken by the fault may wait in its pool until it next asks: no cap for one client
        long limit = client == null ? w.healedMs() + MAX_RECOVERY_MS : Long.MAX_VALUE / 2;
        long first = limit;
        for (Op op : ops) {
            if (op.ok() && op.coordinator() == c && op.startMs() >= w.healedMs() && op.endMs() < first
                    && (client == null || client.equals(op.client()))) {
                first = op.endMs();
            }
        }
        return first;
    }
}
