package dev.baton.coordinator.service;

import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ProgressLogRepository.ProgressItem;
import dev.baton.coordinator.db.ProgressLogRepository;
import dev.baton.coordinator.error.BatonException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for progress. Progress commits durably, and a commit (its fsync) is the unit of
 * cost here; so a committer takes every update that arrived while the previous commits were under
 * way and applies them all in one guarded statement and one transaction, then answers each
 * caller once that commit is durable. A few committers share the queue, so that while one waits
 * for its fsync the next batch is already being applied (PostgreSQL flushes commits that wait
 * together with one write). An update the statement did not apply (its version or lease
 * is off, its job was already in this batch, or the batch failed) is answered {@link #NOT_APPLIED}
 * and its caller settles it alone (see ProgressLogService), so one update never fails another;
 * but a batch that lost the database answers each caller that 503 at once.
 */
@Singleton
public final class ProgressCommits {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressCommits.class);
    /** The answer for an update this batch did not apply. */
    public static final long NOT_APPLIED = -1;
    private static final int MAX_BATCH = 500;
    private static final int COMMITTERS = 4;

    private record Pending(ProgressItem item, CompletableFuture<Long> answer) {
    }

    private final Db db;
    private final ProgressLogRepository repo;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> committers = new ArrayList<>();
    private volatile boolean stopped;

    public ProgressCommits(Db db, ProgressLogRepository repo) {
        this.db = db;
        this.repo = repo;
        for (int i = 0; i < COMMITTERS; i++) {
            committers.add(Thread.ofVirtual().name("progress-commits-" + i).start(this::run));
        }
    }

    /** The job's new version once durable, or {@link #NOT_APPLIED}. */
    public long apply(ProgressItem item) {
        Pending p = new Pending(item, new CompletableFuture<>());
        queue.add(p);
        if (stopped && queue.remove(p)) {
            return NOT_APPLIED;
        }
        try {
            return p.answer().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!stopped) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            commit(batch);
            batch.clear();
        }
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(p -> p.answer().complete(NOT_APPLIED));
    }

    private void commit(List<Pending> batch) {
        // The statement wants distinct ids; a second update of a job in the same batch is left to
        // its caller, which then sees the first one's version.
        List<Pending> first = new ArrayList<>(batch.size());
        Set<Long> ids = new HashSet<>();
        for (Pending p : batch) {
            if (ids.add(p.item().id())) {
                first.add(p);
            } else {
                p.answer().complete(NOT_APPLIED);
            }
        }
        Map<Integer, Long> versions = Map.of();
        try {
            versions = db.tx(c -> repo.setProgressEachIfVersion(c, first.stream().map(Pending::item).toList()));
        } catch (BatonException e) {
            if (e.databaseUnreachable()) {
                // No connection, or it was lost (a silent link waits out the socket timeout):
                // trying each alone would meet the same and double the wait past the documented
                // bound (soak 10, seed 2: progress unanswered for 10 s). Each caller gets this 503.
                first.forEach(p -> p.answer().completeExceptionally(e));
            } else {
                LOG.debug("progress batch of {} failed, each update is retried alone: {}", first.size(), e.toString());
            }
        } catch (RuntimeException e) {
            // A value PostgreSQL refused, a deadlock, a lost connection: each caller tries alone
            // and gets its own answer (400, 503 or its version).
            LOG.debug("progress batch of {} failed, each update is retried alone: {}", first.size(), e.toString());
        } finally {
            // Every caller is answered, whatever happened here (complete() ignores a second answer).
            for (int k = 0; k < first.size(); k++) {
                first.get(k).answer().complete(versions.getOrDefault(k, NOT_APPLIED));
            }
        }
    }

    @PreDestroy
    void stop() {
        stopped = true;
        committers.forEach(Thread::interrupt);
    }
}
