package dev.baton.coordinator.service;

import dev.baton.common.Job;
import dev.baton.common.Requests;
import dev.baton.common.Responses.LogAppendAnswer;
import dev.baton.common.Responses.LogEntry;
import dev.baton.common.Responses.LogPage;
import dev.baton.common.Responses.VersionAnswer;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ProgressLogRepository;
import dev.baton.coordinator.db.ProgressLogRepository.Appended;
import dev.baton.coordinator.db.ProgressLogRepository.LeaseCheck;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

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
    private final int linesPerAttempt;

    /**
     * @param linesPerAttempt cap on one attempt's log lines: {@code baton.limits.log-lines-per-attempt}
     *                        (environment: {@code BATON_LIMITS_LOG_LINES_PER_ATTEMPT}), default 100,000
     */
    public ProgressLogService(Db db, ProgressLogRepository repo,
                              @Value("${baton.limits.log-lines-per-attempt:100000}") int linesPerAttempt) {
        if (linesPerAttempt < 1) {
            throw new IllegalArgumentException("baton.limits.log-lines-per-attempt must be at least 1");
        }
        this.db = db;
        this.repo = repo;
        this.linesPerAttempt = linesPerAttempt;
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
        storableText(checks, "message", r.message());
        checks.throwIfAny();
        // Progress is the one worker write that need not survive a database crash: with
        // synchronous_commit off the commit returns before its WAL reaches disk, 2-4x faster here.
        // A crash can lose the last few ms of acknowledged progress (the job then shows an older
        // progress and version; the worker's next update gets version_conflict with the job and
        // carries on). It cannot reorder anything: WAL is written in order, so any durable commit
        // after it (claim, complete, fail, stay synchronous) also makes it durable. The statement
        // sets synchronous_commit for its own autocommit transaction: one round trip, not three.
        long version = db.run(c -> {
            Long v = repo.setProgressIfVersion(c, jobId, r.expectedVersion(), r.leaseToken(), r.current(),
                    r.total(), r.message());
            if (v != null) {
                return v;
            }
            throw refusal(c, jobId, r.leaseToken(), r.expectedVersion());
        });
        return new VersionAnswer(version);
    }

    /** The update changed nothing: say whether the lease or only the version is off, with the job as it is. */
    private BatonException refusal(Connection c, long jobId, String leaseToken, long expectedVersion)
            throws SQLException {
        LeaseCheck now = repo.findWithLeaseCheck(c, jobId, leaseToken);
        if (now == null) {
            return notFound(jobId);
        }
        Job job = now.job();
        if (!now.leaseHeld()) {
            return LeaseService.leaseLost(job);
        }
        if (job.version() != expectedVersion) {
            return BatonException.conflict(ErrorCode.VERSION_CONFLICT, "expectedVersion is " + expectedVersion
                    + " but the job is at version " + job.version(), job);
        }
        throw new IllegalStateException("progress of job " + jobId + " refused with its lease and version matching");
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
        // Unlike progress, appends commit durably: one commit carries a whole batch of lines, and a
        // worker drops the lines it was told were accepted, so a crash must not lose them.
        Appended done = db.run(c -> {
            Appended a = repo.appendIfLeaseHeld(c, jobId, r.leaseToken(), seqs, levels, messages);
            if (a != null) {
                return a;
            }
            LeaseCheck now = repo.findWithLeaseCheck(c, jobId, r.leaseToken());
            if (now == null) {
                throw notFound(jobId);
            }
            throw LeaseService.leaseLost(now.job());
        });
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
            storableText(checks, at + "message", line.message());
            if (line.message() != null && tooLong < 0
                    && line.message().getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
                tooLong = i;
            }
            if (line.seq() != null && line.seq() > linesPerAttempt && overCap < 0) {
                overCap = i;
            }
            if (line.seq() != null) {
                bySeq.putIfAbsent(line.seq(), line);
            }
        }
        checks.throwIfAny();
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

    /** One page in (attempt, seq) order; see {@link #nextCursor} for what the cursor promises. */
    public LogPage page(String id, String after, int limit) {
        long jobId = Ids.job(id);
        LogCursor from = LogCursor.parse(after, "after");
        List<LogEntry> lines = db.run(c -> {
            if (repo.status(c, jobId) == null) {
                throw notFound(jobId);
            }
            return repo.linesAfter(c, jobId, from.attempt(), from.seq(), limit);
        });
        return new LogPage(lines, nextCursor(lines, after));
    }

    /**
     * Where to continue: after the page's last line, or where this page started when it is empty,
     * so that a client following a running job's log always has a cursor to send back. Null only
     * for an empty page read from the start.
     */
    private static String nextCursor(List<LogEntry> lines, String after) {
        return lines.isEmpty() ? after : LogCursor.after(lines.get(lines.size() - 1)).wire();
    }

    /** The job exists, or 404. */
    public void requireJob(long jobId) {
        if (db.run(c -> repo.status(c, jobId)) == null) {
            throw notFound(jobId);
        }
    }

    /** PostgreSQL text cannot hold U+0000, and a lone surrogate has no UTF-8 form: refuse, never mangle. */
    private static void storableText(Checks checks, String field, String text) {
        if (text == null) {
            return;
        }
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == 0) {
                checks.fail(field, "must not contain U+0000");
                return;
            }
            if (Character.isHighSurrogate(ch) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(ch)) {
                checks.fail(field, "must be valid Unicode (it holds a lone surrogate)");
                return;
            }
        }
    }

    private static BatonException notFound(long jobId) {
        return new BatonException(ErrorCode.NOT_FOUND, "no job with id '" + jobId + "'");
    }
}
