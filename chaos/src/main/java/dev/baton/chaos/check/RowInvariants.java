package dev.baton.chaos.check;

import dev.baton.common.JobStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The invariants read from the database's final rows alone (events, unique keys, schedule ticks,
 * what is left running or queued): whatever the history says, these must hold of what is stored.
 */
final class RowInvariants {
    private final DbState db;
    private final Timeline timeline;
    private final long tickEveryMs;

    RowInvariants(DbState db, Timeline timeline, long tickEveryMs) {
        this.db = db;
        this.timeline = timeline;
        this.tickEveryMs = tickEveryMs;
    }

    /**
     * Each event type moves between exactly the statuses the state table gives it, a claim raises
     * the attempt by one, and every other event carries the attempt it happened in.
     */
    Verdict eventsFollowStateTable() {
        Tally t = new Tally("every event sequence follows the state table");
        for (DbState.Row job : db.jobs().values()) {
            String status = null;
            int attempt = 0;
            String broken = null;
            for (DbState.Event e : events(job.id())) {
                String from = status == null ? null : status;
                boolean moves = switch (e.type()) {
                    case "enqueued" -> from == null && "queued".equals(e.to()) && e.attempt() == 0;
                    case "claimed" -> "queued".equals(from) && "running".equals(e.to()) && e.attempt() == attempt + 1;
                    case "completed" -> "running".equals(from) && "succeeded".equals(e.to());
                    case "failed" -> "running".equals(from) && "failed".equals(e.to());
                    case "retry_scheduled" -> "running".equals(from) && "queued".equals(e.to());
                    case "lease_expired" -> "running".equals(from) && ("queued".equals(e.to()) || "failed".equals(e.to()));
                    case "cancelled" -> ("queued".equals(from) || "running".equals(from)) && "cancelled".equals(e.to());
                    case "retried" -> ("failed".equals(from) || "cancelled".equals(from)) && "queued".equals(e.to());
                    case "progress" -> "running".equals(from) && "running".equals(e.to());
                    case "updated" -> "queued".equals(from) && "queued".equals(e.to());
                    default -> false;
                };
                boolean sameAttempt = e.type().equals("claimed") || e.type().equals("enqueued") || e.attempt() == attempt;
                if (!moves || !sameAttempt || (from != null && !from.equals(e.from()))) {
                    broken = e.type() + " event " + e.id() + " " + e.from() + " → " + e.to() + " attempt " + e.attempt()
                            + " while " + status + " attempt " + attempt;
                    break;
                }
                status = e.to();
                attempt = e.attempt();
            }
            if (broken == null && !job.status().equals(status)) {
                broken = "events end at " + status + ", row is " + job.status();
            }
            if (broken == null && attempt != job.attempt()) {
                broken = "events end at attempt " + attempt + ", row is at " + job.attempt();
            }
            t.check(broken == null, "job " + job.id() + ": " + broken);
        }
        return t.verdict();
    }

    /** No two jobs under one (queue, uniqueKey) were active at once: their active spans, in event order, never overlap. */
    Verdict uniqueKeyHeld() {
        Tally t = new Tally("uniqueKey: one active job per key at a time");
        Map<String, List<long[]>> spans = new HashMap<>();
        for (DbState.Row job : db.jobs().values()) {
            if (job.uniqueKey() == null || job.uniqueKey().startsWith("schedule:")) {
                continue;
            }
            long start = -1;
            for (DbState.Event e : events(job.id())) {
                boolean active = e.to() != null && !parse(e.to()).isFinished();
                if (active && start < 0) {
                    start = e.id();
                } else if (!active && start >= 0) {
                    spans.computeIfAbsent(job.queue() + "/" + job.uniqueKey(), k -> new ArrayList<>())
                            .add(new long[] {start, e.id(), job.id()});
                    start = -1;
                }
            }
            if (start >= 0) {
                spans.computeIfAbsent(job.queue() + "/" + job.uniqueKey(), k -> new ArrayList<>())
                        .add(new long[] {start, Long.MAX_VALUE, job.id()});
            }
        }
        spans.forEach((key, list) -> {
            list.sort(Comparator.comparingLong(s -> s[0]));
            for (int i = 1; i < list.size(); i++) {
                long[] a = list.get(i - 1);
                long[] b = list.get(i);
                t.check(b[0] > a[1], "key " + key + ": job " + (long) b[2] + " active from event " + b[0]
                        + " while job " + (long) a[2] + " active until event " + a[1]);
            }
        });
        return t.verdict();
    }

    Verdict scheduleTicksOnce() {
        Tally t = new Tally("each schedule tick enqueued once");
        Map<String, Long> jobsByKey = new HashMap<>();
        for (DbState.Row job : db.jobs().values()) {
            if (job.uniqueKey() != null && job.uniqueKey().startsWith("schedule:")) {
                Long other = jobsByKey.put(job.uniqueKey(), job.id());
                t.check(other == null, job.uniqueKey() + " enqueued as jobs " + other + " and " + job.id());
            }
        }
        Set<Long> tickJobs = new HashSet<>();
        for (DbState.Tick tick : db.ticks()) {
            t.check(tick.jobId() != null && tickJobs.add(tick.jobId()), "tick " + tick.tickAtMs() + " of "
                    + tick.schedule() + " has job " + tick.jobId());
        }
        timeline.tickEvery(t, tickEveryMs);
        return t.verdict();
    }

    Verdict noJobStuckRunning() {
        Tally t = new Tally("no job running past its lease");
        db.jobs().values().forEach(job -> t.check(!(job.status().equals("running") && job.leaseExpiredLongAgo()),
                "job " + job.id() + " still running, its lease expired more than 5 s ago"));
        return t.verdict();
    }

    Verdict noDueJobLeftQueued() {
        Tally t = new Tally("no due job left queued after draining");
        db.jobs().values().forEach(job -> t.check(!job.dueLongAgo(), "job " + job.id() + " (" + job.queue()
                + ") due more than 30 s ago is still queued"));
        return t.verdict();
    }

    private List<DbState.Event> events(long job) {
        return db.events().getOrDefault(job, List.of());
    }

    private static JobStatus parse(String status) {
        return JobStatus.valueOf(status.toUpperCase(Locale.ROOT));
    }
}
