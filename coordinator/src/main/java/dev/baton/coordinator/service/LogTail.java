package dev.baton.coordinator.service;

import dev.baton.common.JobStatus;
import dev.baton.common.Responses.LogEntry;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ProgressLogRepository.StoredLine;
import dev.baton.coordinator.db.ProgressLogRepository;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * Follows a job's log: the lines already stored, then new ones as they are appended, until the
 * job is finished. Each follower is one virtual thread polling the database every 200 ms; it
 * holds a connection only for the two short reads of a poll, sends no more than the subscriber
 * asked for, and stops at its next wake-up once the subscriber cancels (the client went away).
 */
@Singleton
public final class LogTail {
    private static final Logger LOG = LoggerFactory.getLogger(LogTail.class);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    // Something is written at least this often, so that a vanished client is noticed and no idle
    // timeout between here and the client closes a stream that is only waiting.
    private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final int BATCH = 500;
    private static final long TOKEN_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Db db;
    private final ProgressLogRepository repo;
    private final Set<Follower> followers = ConcurrentHashMap.newKeySet();

    public LogTail(Db db, ProgressLogRepository repo) {
        this.db = db;
        this.repo = repo;
    }

    /** What a follower sends: an idle beat first and when quiet, the lines, then the end. */
    public sealed interface Item {
        record Idle() implements Item {
        }

        record Line(LogEntry entry, String cursor) implements Item {
        }

        /** The job finished (or was deleted: status null) and every line has been sent. */
        record End(JobStatus status) implements Item {
        }
    }

    public Flux<Item> follow(long jobId, LogCursor after) {
        return follow(jobId, after, () -> true);
    }

    /**
     * As {@link #follow(long, LogCursor)}, asking {@code tokenStillValid} about once a second: the
     * stream of a token revoked or expired meanwhile ends there (a reconnecting client is then
     * refused 401).
     */
    public Flux<Item> follow(long jobId, LogCursor after, BooleanSupplier tokenStillValid) {
        return Flux.create(sink -> {
            Follower f = new Follower(jobId, after, sink, tokenStillValid);
            Thread thread = Thread.ofVirtual().name("log-tail-" + jobId).unstarted(f);
            f.thread = thread;
            followers.add(f);
            sink.onRequest(n -> LockSupport.unpark(thread));
            sink.onDispose(f::stop);
            thread.start();
        });
    }

    /** Followers currently running; tests watch it fall to zero after clients disconnect. */
    public int following() {
        return followers.size();
    }

    @PreDestroy
    void stopAll() {
        followers.forEach(Follower::stop);
    }

    private final class Follower implements Runnable {
        private final long jobId;
        private final FluxSink<Item> sink;
        private final BooleanSupplier tokenStillValid;
        private LogCursor position;
        private long tokenCheckedAt = System.nanoTime();
        private volatile boolean stopped;
        private volatile Thread thread;

        Follower(long jobId, LogCursor position, FluxSink<Item> sink, BooleanSupplier tokenStillValid) {
            this.jobId = jobId;
            this.position = position;
            this.sink = sink;
            this.tokenStillValid = tokenStillValid;
        }

        /** Asked at most once a second while nothing is sent (and before any line is): false once the token was revoked or expired. */
        private boolean tokenValid() {
            if (System.nanoTime() - tokenCheckedAt < TOKEN_CHECK_NANOS) {
                return true;
            }
            tokenCheckedAt = System.nanoTime();
            return tokenStillValid.getAsBoolean();
        }

        void stop() {
            stopped = true;
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }

        @Override
        public void run() {
            try {
                sink.next(new Item.Idle());
                long lastSent = System.nanoTime();
                while (!stopped) {
                    long wanted = sink.requestedFromDownstream();
                    if (wanted <= 0) {
                        LockSupport.parkNanos(POLL_NANOS);
                        continue;
                    }
                    if (!tokenValid()) {
                        sink.complete();
                        return;
                    }
                    int room = (int) Math.min(wanted, BATCH);
                    // Status first, lines second: an append holds a lock on the job's row until
                    // it commits, so by the time a finished status is visible every line of
                    // the job is, and the lines read next include them all.
                    Poll poll = db.run(c -> {
                        JobStatus status = repo.status(c, jobId);
                        return new Poll(status, repo.linesAfter(c, jobId, position.position(), room));
                    });
                    if (!poll.lines().isEmpty() && !tokenStillValid.getAsBoolean()) {
                        // no line goes out under a token revoked since the last look, however recent
                        sink.complete();
                        return;
                    }
                    for (StoredLine line : poll.lines()) {
                        position = LogCursor.after(line);
                        sink.next(new Item.Line(line.entry(), position.wire()));
                        lastSent = System.nanoTime();
                    }
                    if (poll.lines().size() == room) {
                        continue;
                    }
                    if (poll.status() == null || poll.status().isFinished()) {
                        sink.next(new Item.End(poll.status()));
                        sink.complete();
                        return;
                    }
                    if (System.nanoTime() - lastSent >= KEEP_ALIVE_NANOS) {
                        sink.next(new Item.Idle());
                        lastSent = System.nanoTime();
                    }
                    LockSupport.parkNanos(POLL_NANOS);
                }
                // Stopped: by the client (then a no-op) or by the coordinator stopping, which ends
                // the stream without an end event so that an EventSource reconnects elsewhere.
                sink.complete();
            } catch (RuntimeException e) {
                LOG.debug("log stream of job {} ended: {}", jobId, e.toString());
                sink.error(e);
            } finally {
                followers.remove(this);
            }
        }
    }

    private record Poll(JobStatus status, List<StoredLine> lines) {
    }
}
