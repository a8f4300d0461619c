package dev.baton.coordinator.service;

import dev.baton.common.Job;
import dev.baton.common.Requests;
import dev.baton.common.Responses.LogAppendAnswer;
import dev.baton.common.Responses.LogPage;
import dev.baton.common.Responses.VersionAnswer;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ProgressLogRepository.Appended;
import dev.baton.coordinator.db.ProgressLogRepository.LeaseCheck;
import dev.baton.coordinator.db.ProgressLogRepository.ProgressItem;
import dev.baton.coordinator.db.ProgressLogRepository.StoredLine;
import dev.baton.coordinator.db.ProgressLogRepository;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.metrics.JobMetrics;
import dev.baton.coordinator.metrics.JobMetrics.Refusal;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a running attempt reports besides its outcome: progress (a compare-and-swap on the job's
 * version) and log lines (idempotent appends), and the reading of those lines.
 */
@Singleton
public final class ProgressLogService {
    public static final int MAX_ENTRIES = 1000;
    public static final int MAX_MESSAGE_BYTES = 16 * 1024;
    public static final int MAX_PROGRESS_MESSAGE = 2000;
    private final Db db;
    private final ProgressLogRepository repo;
    private final ProgressCommits commits;
    private final int linesPerAttempt;
    private final JobMetrics metrics;

    /** One attempt's log lines are capped at {@link Settings#logLinesPerAttempt}. */
    public ProgressLogService(Db db, ProgressLogRepository repo, ProgressCommits commits, Settings settings,
                              JobMetrics metrics) {
        this.db = db;
        this.metrics = metrics;
        this.repo = repo;
        this.commits = commits;
        this.linesPerAttempt = settings.logLinesPerAttempt();
    }

    public VersionAnswer progress(String id, Requests.ProgressUpdate r) {
        long jobId = Ids.job(id);
        Checks checks = new Checks();
        checks.required("leaseToken", r.leaseToken());
        checks.required("expectedVersion", r.expectedVersion());
        checks.required("current", r.current());
        checks.range("expectedVersion", r.expectedVersion(), 1, Long.MAX_VALUE);
        checks.range("current", r.current(), 0, Long.MAX_VALUE);
        checks.range("total", r.total(), 0, Long.MAX_VALUE);
        if (r.current() != null && r.total() != null && r.total() < r.current()) {
            checks.fail("total", "must be at least current");
        }
        checks.length("message", r.message(), 0, MAX_PROGRESS_MESSAGE);
        checks.throwIfAny();
        ProgressItem item = new ProgressItem(jobId, r.expectedVersion(), r.leaseToken(), r.current(), r.total(),
                r.message());
        long version = commits.apply(item);
        return new VersionAnswer(version != ProgressCommits.NOT_APPLIED ? version : alone(item));
    }

    /**
     * An update the shared statement did not apply, settled in a transaction of its own on the
     * job's row, locked: refused with the job exactly as it decided, or applied. The shared
     * statement can miss an update whose lease and version do match by the time it is explained:
     * its snapshot may show a lease that a heartbeat which started earlier was just renewing, or
     * the job's earlier update in the same batch. Under the lock, what the check sees is what the
     * update sees (same row, same now()), so the answer is always a 409 with that job or the new version.
     */
    private long alone(ProgressItem item) {
        return db.tx(c -> {
            LeaseCheck now = repo.lockWithLeaseCheck(c, item.id(), item.leaseToken());
            if (now == null) {
                throw BatonException.noJob(item.id());
            }
            Job job = now.job();
            if (!now.leaseHeld()) {
                metrics.refused(Refusal.LEASE_LOST);
                throw LeaseService.leaseLost(job);
            }
            if (job.version() != item.expectedVersion()) {
                metrics.refused(Refusal.VERSION_CONFLICT);
                throw BatonException.conflict(ErrorCode.VERSION_CONFLICT, "expectedVersion is "
                        + item.expectedVersion() + " but the job is at version " + job.version(), job);
            }
            Long v = repo.setProgressIfVersion(c, item);
            if (v == null) {
                throw new IllegalStateException("progress of job " + item.id()
                        + " refused under its row lock with its lease and version matching");
            }
            return v;
        });
    }

    public LogAppendAnswer append(String id, Requests.LogAppend r) {
        long jobId = Ids.job(id);
        Checks checks = new Checks();
        checks.required("leaseToken", r.leaseToken());
        checks.required("entries", r.entries());
        checks.throwIfAny();
        List<Requests.LogLine> entries = r.entries();
        SortedMap<Integer, Requests.LogLine> bySeq = checkedBySeq(entries);
        int n = bySeq.size();
        Integer[] seqs = new Integer[n];
        String[] levels = new String[n];
        String[] messages = new String[n];
        int k = 0;
        for (Requests.LogLine line : bySeq.values()) {
            seqs[k] = line.seq();
            levels[k] = line.level().wire();
            messages[k] = line.message();
            k++;
        }
        // One statement locks the job's row, checks the lease and inserts (see the repository for
        // why the lock orders appends). A resend with other content stores nothing.
        Appended done = db.run(c -> repo.appendIfLeaseHeld(c, jobId, r.leaseToken(), seqs, levels, messages));
        if (!done.found()) {
            throw BatonException.noJob(jobId);
        }
        if (!done.leaseHeld()) {
            LeaseCheck now = db.run(c -> repo.lockWithLeaseCheck(c, jobId, r.leaseToken()));
            if (now == null) {
                throw BatonException.noJob(jobId);
            }
            metrics.refused(Refusal.LEASE_LOST);
            throw LeaseService.leaseLost(now.job());
        }
        if (!done.conflicts().isEmpty()) {
            metrics.refused(Refusal.LOG_CONFLICT);
            throw BatonException.logConflict("seq " + done.conflicts().stream().map(String::valueOf)
                    .collect(Collectors.joining(", ")) + " of attempt " + done.attempt()
                    + (done.conflicts().size() == 1 ? " is" : " are") + " already stored with another level or "
                    + "message; nothing of this request was stored", done.conflicts());
        }
        return new LogAppendAnswer(done.accepted(), entries.size() - done.accepted());
    }

    /**
     * The entries, validated, keyed by seq: a seq sent twice in one request is stored once (its
     * first entry) and counts as a duplicate; the sorted order is the order the rows go in.
     */
    private SortedMap<Integer, Requests.LogLine> checkedBySeq(List<Requests.LogLine> entries) {
        if (entries.size() > MAX_ENTRIES) {
            throw new BatonException(ErrorCode.PAYLOAD_TOO_LARGE, "at most " + MAX_ENTRIES + " entries per request");
        }
        Checks checks = new Checks();
        TreeMap<Integer, Requests.LogLine> bySeq = new TreeMap<>();
        java.util.TreeSet<Integer> repeatedOtherwise = new java.util.TreeSet<>();
        int tooLong = -1;
        int overCap = -1;
        for (int i = 0; i < entries.size(); i++) {
            Requests.LogLine line = entries.get(i);
            String at = "entries[" + i + "].";
            if (line == null) {
                checks.fail("entries[" + i + "]", "must be an object");
                continue;
            }
            checks.required(at + "seq", line.seq());
            checks.range(at + "seq", line.seq(), 1, Integer.MAX_VALUE);
            checks.required(at + "level", line.level());
            checks.required(at + "message", line.message());
            if (line.message() != null && tooLong < 0
                    && line.message().getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
                tooLong = i;
            }
            if (line.seq() != null && line.seq() > linesPerAttempt && overCap < 0) {
                overCap = i;
            }
            if (line.seq() != null) {
                Requests.LogLine first = bySeq.putIfAbsent(line.seq(), line);
                if (first != null && !(Objects.equals(first.level(), line.level())
                        && Objects.equals(first.message(), line.message()))) {
                    repeatedOtherwise.add(line.seq());
                }
            }
        }
        checks.throwIfAny();
        // A seq given twice with other content is the same conflict as a resend with other content:
        // which of the two is the line is not for the coordinator to guess.
        if (!repeatedOtherwise.isEmpty()) {
            metrics.refused(Refusal.LOG_CONFLICT);
            throw BatonException.logConflict("seq " + repeatedOtherwise.stream().map(String::valueOf)
                    .collect(Collectors.joining(", ")) + " " + (repeatedOtherwise.size() == 1 ? "is" : "are")
                    + " given twice in this request with another level or message; nothing of it was stored",
                    List.copyOf(repeatedOtherwise));
        }
        if (tooLong >= 0) {
            throw new BatonException(ErrorCode.PAYLOAD_TOO_LARGE, "entries[" + tooLong + "].message is over "
                    + MAX_MESSAGE_BYTES + " bytes");
        }
        // seq counts from 1 within an attempt, so no seq above the cap means no more lines than the
        // cap: enforced without counting what is stored.
        if (overCap >= 0) {
            throw new BatonException(ErrorCode.PAYLOAD_TOO_LARGE, "an attempt may write at most " + linesPerAttempt
                    + " log lines; entries[" + overCap + "].seq is " + entries.get(overCap).seq());
        }
        return bySeq;
    }

    /** One page in the order lines were stored; see {@link #nextCursor} for what the cursor promises. */
    public LogPage page(String id, String after, int limit) {
        List<StoredLine> lines = linesAfter(Ids.job(id), LogCursor.parse(after, "after"), limit);
        return new LogPage(lines.stream().map(StoredLine::entry).toList(), nextCursor(lines, after));
    }

    /** Up to {@code limit} lines after {@code after}, in log order; 404 when there is no such job. */
    public List<StoredLine> linesAfter(long jobId, LogCursor after, int limit) {
        return ofJob(jobId, c -> repo.linesAfter(c, jobId, after.position(), limit));
    }

    /**
     * Up to {@code limit} lines just before the line {@code before} was made after (null: the
     * log's last lines), in log order; 404 when there is no such job.
     */
    public List<StoredLine> linesBefore(long jobId, LogCursor before, int limit) {
        return ofJob(jobId, c -> repo.linesBefore(c, jobId, before == null ? Long.MAX_VALUE : before.position(), limit));
    }

    private List<StoredLine> ofJob(long jobId, Db.Work<List<StoredLine>> read) {
        return db.run(c -> {
            if (repo.status(c, jobId) == null) {
                throw BatonException.noJob(jobId);
            }
            return read.apply(c);
        });
    }

    /**
     * Where to continue: after the page's last line, or where this page started when it is empty,
     * so that a client following a running job's log always has a cursor to send back. Null only
     * for an empty page read from the start.
     */
    private static String nextCursor(List<StoredLine> lines, String after) {
        return lines.isEmpty() ? after : LogCursor.after(lines.get(lines.size() - 1)).wire();
    }

    /** The job exists, or 404. */
    public void requireJob(long jobId) {
        if (db.run(c -> repo.status(c, jobId)) == null) {
            throw BatonException.noJob(jobId);
        }
    }
}
