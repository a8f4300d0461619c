package dev.baton.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Job;
import dev.baton.common.Requests;
import dev.baton.common.Responses;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for completions: every finished job hands its result here and waits; one sender
 * sends everything that arrived meanwhile as one {@code POST /completions} (the coordinator settles
 * it in one statement), so while one batch is in flight the next one gathers. Each job gets the
 * answer its own {@code complete} would have got. A batch no coordinator answers is resent whole
 * (completions are idempotent by protocol); a batch refused whole (too large, say) is resent one
 * item at a time, so one big result cannot sink its neighbours.
 */
final class Completions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Completions.class);
    /** Items per request; the protocol allows 1,000. */
    static final int MAX_BATCH = 256;

    private record Pending(Requests.CompletionItem item, CompletableFuture<Job> answer) {
    }

    private final BatonClient client;
    private final WorkerMetrics metrics;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong items = new AtomicLong();
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
        if (closed) {
            throw new BatonClient.Unavailable("worker closing", null);
        }
        CompletableFuture<Job> answer = new CompletableFuture<>();
        queue.add(new Pending(new Requests.CompletionItem(id, leaseToken, result), answer));
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

    /** Jobs completed and requests sent so far: their ratio is the mean batch. */
    long items() {
        return items.get();
    }

    long requests() {
        return requests.get();
    }

    private void sendLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
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
            batch.addAll(queue);
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
