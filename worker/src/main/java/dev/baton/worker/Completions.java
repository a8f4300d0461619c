package dev.baton.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Job;
import dev.baton.common.Requests;
import dev.baton.common.Responses;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for completions: every finished job hands its result here and waits. The worker's
 * claim loop carries what is waiting on its next claim ({@code POST /claims} with
 * {@code completions}: one request settles the finished jobs and hands out the next ones) whenever it
 * is about to claim at once; while it long-polls, backs off or is gone, one sender sends what
 * arrived as one {@code POST /completions} instead. Either way, while one batch is in flight the
 * next one gathers, and each job gets the answer its own {@code complete} would have got. A batch
 * no coordinator answers is sent again (completions are idempotent by protocol); a batch refused
 * whole (too large, say) is resent one item at a time, so one big result cannot sink its neighbours.
 */
final class Completions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Completions.class);
    /** Items per request; the protocol allows 1,000. */
    static final int MAX_BATCH = 256;

    /**
     * How long a completion waits for a claim to carry it before the sender sends it alone: a
     * claim in flight comes back and carries it well within this, but a worker whose slots are all
     * held by long jobs claims nothing, and a completion resent after an unanswered item must not
     * wait for one of them to end.
     */
    static final long CARRY_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private record Pending(Requests.CompletionItem item, CompletableFuture<Job> answer, long queuedAt) {
    }

    private final BatonClient client;
    private final WorkerMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>(); // guarded by lock
    private final ArrayDeque<Pending> alone = new ArrayDeque<>(); // guarded by lock: for the sender only
    private int carriers; // guarded by lock: claim loops that take what is waiting; while any, the sender leaves it
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong items = new AtomicLong();
    private final AtomicLong carriedItems = new AtomicLong();
    private final Thread sender;
    private volatile boolean closed;

    Completions(BatonClient client) {
        this(client, WorkerMetrics.NONE);
    }

    Completions(BatonClient client, WorkerMetrics metrics) {
        this.client = client;
        this.metrics = metrics;
        this.sender = Thread.ofVirtual().name("baton-completions").start(this::sendLoop);
    }

    /**
     * Completes the job and blocks until a coordinator judged it: returns the succeeded job, or
     * throws {@link BatonClient.Conflict} or {@link BatonClient.Rejected} as {@code complete} would.
     */
    Job complete(String id, String leaseToken, JsonNode result) throws InterruptedException {
        return complete(id, leaseToken, result, () -> {
        });
    }

    /** As {@link #complete(String, String, JsonNode)}, running {@code queued} once the completion waits to be sent. */
    Job complete(String id, String leaseToken, JsonNode result, Runnable queued) throws InterruptedException {
        if (closed) {
            throw new BatonClient.Unavailable("worker closing", null);
        }
        CompletableFuture<Job> answer = new CompletableFuture<>();
        lock.lock();
        try {
            waiting.add(new Pending(new Requests.CompletionItem(id, leaseToken, result), answer, System.nanoTime()));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        queued.run();
        while (true) {
            try {
                return answer.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                if (!sender.isAlive()) { // closed meanwhile: nobody will send it
                    throw new BatonClient.Unavailable("worker closing", null);
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new BatonClient.Unavailable("completion failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /**
     * One claim loop's say in who sends the waiting completions: while any loop's carrier is on
     * (it is about to claim at once, or waits for a slot) they wait for a claim to carry them;
     * while all are off (long-polling, backing off, dispatching into a full worker, or stopped) the
     * sender sends them alone.
     */
    final class Carrier {
        private boolean on; // guarded by lock

        void set(boolean carrying) {
            lock.lock();
            try {
                setLocked(carrying);
            } finally {
                lock.unlock();
            }
        }

        private void setLocked(boolean carrying) {
            if (carrying != on) {
                on = carrying;
                carriers += carrying ? 1 : -1;
                changed.signalAll();
            }
        }
    }

    Carrier carrier() {
        return new Carrier();
    }

    /** Up to {@code max} waiting completions, taken for a claim to carry; none when nothing waits. */
    Carried take(int max) {
        lock.lock();
        try {
            return takeLocked(max);
        } finally {
            lock.unlock();
        }
    }

    /**
     * For a claim loop when no slot is free: waits, carrying (the sender leaves what finishes
     * meanwhile to the claims), until {@code resume} holds (a slot freed, the worker stopping:
     * whoever changes what it reads calls {@link #nudge()} afterwards).
     */
    void awaitCarrying(Carrier carrier, BooleanSupplier resume) throws InterruptedException {
        lock.lock();
        try {
            carrier.setLocked(true);
            while (!resume.getAsBoolean()) {
                changed.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Lets a burst of finishing jobs gather before a claim carries them: waits while completions
     * keep arriving less than {@code gapNanos} apart, at most {@code maxNanos} in all, and not once
     * {@code allIn} holds (no handler left running). Jobs that finish together then go in one
     * request instead of the first of them alone; a job finishing on its own waits {@code gapNanos}.
     */
    void linger(Carrier carrier, long gapNanos, long maxNanos, BooleanSupplier allIn) throws InterruptedException {
        lock.lock();
        try {
            carrier.setLocked(true);
            long start = System.nanoTime();
            long lastArrival = start;
            int seen = waiting.size();
            for (long now = start; !allIn.getAsBoolean() && now - start < maxNanos && now - lastArrival < gapNanos;
                    now = System.nanoTime()) {
                changed.awaitNanos(Math.min(gapNanos - (now - lastArrival), maxNanos - (now - start)));
                if (waiting.size() != seen) {
                    seen = waiting.size();
                    lastArrival = System.nanoTime();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Completions waiting to be sent. */
    int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes a claim loop waiting in {@link #awaitForClaim} to look at its condition again. */
    void nudge() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private Carried takeLocked(int max) {
        if (waiting.isEmpty()) {
            return new Carried(List.of());
        }
        List<Pending> batch = new ArrayList<>(Math.min(max, waiting.size()));
        while (batch.size() < max && !waiting.isEmpty()) {
            batch.add(waiting.poll());
        }
        return new Carried(batch);
    }

    /** Completions a claim carries: settled by its answer, or given back to be sent again. */
    final class Carried {
        private final List<Pending> batch;

        private Carried(List<Pending> batch) {
            this.batch = batch;
        }

        boolean isEmpty() {
            return batch.isEmpty();
        }

        int size() {
            return batch.size();
        }

        /** The items for {@code POST /claims}; null when none, so that a claim carrying nothing says nothing. */
        List<Requests.CompletionItem> items() {
            return batch.isEmpty() ? null : batch.stream().map(Pending::item).toList();
        }

        /** The claim was answered: each job gets its item's answer (an answer that does not match is not trusted). */
        void settle(List<Responses.CompletionResult> answers) {
            if (batch.isEmpty()) {
                return;
            }
            requests.incrementAndGet();
            items.addAndGet(batch.size());
            carriedItems.addAndGet(batch.size());
            metrics.completionBatch(batch.size());
            Completions.settle(batch, answers);
        }

        /**
         * The claim was refused whole (too large, say, or by a coordinator that takes no
         * completions on claims): the sender sends them alone, splitting a batch refused whole.
         */
        void sendAlone() {
            lock.lock();
            try {
                alone.addAll(batch);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /**
         * The claim was not answered: they wait again, first in line, and go with the next claim
         * or alone (this claim loop, backing off, turns its carrier off).
         */
        void giveBack(Carrier carrier) {
            lock.lock();
            try {
                for (int i = batch.size() - 1; i >= 0; i--) {
                    waiting.addFirst(batch.get(i));
                }
                carrier.setLocked(false);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Jobs completed and requests that carried them so far: their ratio is the mean batch. */
    long items() {
        return items.get();
    }

    long requests() {
        return requests.get();
    }

    /** Of {@link #items()}, those that rode on a claim. */
    long carried() {
        return carriedItems.get();
    }

    /**
     * Under the lock: waits until the sender has something to send: completions handed to it
     * alone, or waiting ones while no claim loop carries, or the oldest waiting one has waited
     * {@link #CARRY_WAIT_NANOS}.
     */
    private void awaitSendable() throws InterruptedException {
        while (alone.isEmpty()) {
            if (waiting.isEmpty()) {
                changed.await();
                continue;
            }
            if (carriers == 0) {
                return;
            }
            long overdueIn = waiting.peekFirst().queuedAt() + CARRY_WAIT_NANOS - System.nanoTime();
            if (overdueIn <= 0) {
                return;
            }
            changed.awaitNanos(overdueIn);
        }
    }

    private void sendLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        try {
            while (true) {
                lock.lockInterruptibly();
                try {
                    awaitSendable();
                    while (batch.size() < MAX_BATCH && !alone.isEmpty()) {
                        batch.add(alone.poll());
                    }
                    while (batch.size() < MAX_BATCH && !waiting.isEmpty()) {
                        batch.add(waiting.poll());
                    }
                } finally {
                    lock.unlock();
                }
                try {
                    send(batch);
                } catch (RuntimeException | Error e) {
                    // Never let one bad answer stop every completion: this batch's jobs resend on their own.
                    LOG.warn("completions of {} item(s) failed unexpectedly; their jobs will resend", batch.size(), e);
                    batch.forEach(p -> p.answer().completeExceptionally(new BatonClient.Unavailable(e.toString(), e)));
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            // closing: everyone still waiting is told, and resends (or lets the lease lapse)
            lock.lock();
            try {
                batch.addAll(alone);
                batch.addAll(waiting);
                alone.clear();
                waiting.clear();
            } finally {
                lock.unlock();
            }
            batch.forEach(p -> p.answer().completeExceptionally(new BatonClient.Unavailable("worker closing", e)));
        }
    }

    private void send(List<Pending> batch) throws InterruptedException {
        List<Requests.CompletionItem> body = batch.stream().map(Pending::item).toList();
        for (int attempt = 0; ; attempt++) {
            try {
                List<Responses.CompletionResult> answers = client.completions(new Requests.Completions(body));
                requests.incrementAndGet();
                items.addAndGet(batch.size());
                metrics.completionBatch(batch.size());
                settle(batch, answers);
                return;
            } catch (BatonClient.Unavailable u) {
                LOG.debug("completions not answered ({}); resending {} item(s)", u.getMessage(), batch.size());
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                metrics.requestRetried();
                Thread.sleep(Retry.delayMs(attempt, 100, 5000));
            } catch (BatonClient.Rejected | BatonClient.Conflict r) {
                LOG.warn("completions of {} item(s) refused whole ({}); sending them one by one",
                        batch.size(), r.getMessage());
                batch.forEach(this::sendAlone);
                return;
            }
        }
    }

    /** Matches answers to items in order; an answer that does not match item for item is not trusted. */
    private static void settle(List<Pending> batch, List<Responses.CompletionResult> answers) {
        boolean inOrder = answers != null && answers.size() == batch.size();
        for (int i = 0; inOrder && i < batch.size(); i++) {
            inOrder = answers.get(i) != null && batch.get(i).item().id().equals(answers.get(i).id());
        }
        if (!inOrder) {
            batch.forEach(p -> p.answer().completeExceptionally(
                    new BatonClient.Unavailable("the completions answer does not match the request", null)));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            Responses.CompletionResult a = answers.get(i);
            if (a.status() == 200) {
                p.answer().complete(a.job());
            } else if (a.status() == 409 || a.status() == 404) {
                p.answer().completeExceptionally(new BatonClient.Conflict(
                        a.code() == null ? "not_found" : a.code(), "job " + a.id(), a.job()));
            } else if (a.status() >= 500 || a.status() == 429) {
                p.answer().completeExceptionally(new BatonClient.Unavailable("answered " + a.status(), null));
            } else {
                p.answer().completeExceptionally(new BatonClient.Rejected(a.status(),
                        a.code() == null ? "http_" + a.status() : a.code(), "job " + a.id()));
            }
        }
    }

    private void sendAlone(Pending p) {
        try {
            p.answer().complete(client.complete(p.item().id(),
                    new Requests.Complete(p.item().leaseToken(), p.item().result())));
        } catch (RuntimeException e) {
            p.answer().completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
    }
}
