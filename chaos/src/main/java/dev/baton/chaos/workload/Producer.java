package dev.baton.chaos.workload;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;

/**
 * Enqueues a steady mix, as a careful producer does: every enqueue carries an Idempotency-Key and
 * is resent with it while its outcome is unknown. The mix: echo jobs with unique payloads (their
 * result must be the payload), sleep jobs (progress and logs), jobs that fail and retry with
 * backoff, jobs under a few shared uniqueKeys, delayed jobs, batches, and jobs for the
 * adversarial worker's queue.
 */
public final class Producer implements Runnable {
    public static final String QUEUE = "chaos";
    public static final String ADVERSARY_QUEUE = "adv";
    public static final String ADVERSARY_TYPE = "chaos.adversary";
    static final int UNIQUE_KEYS = 12;
    private static final int RESENDS = 6;

    private final Client client;
    private final Random random;
    private final double jobsPerSecond;
    private final long deadline;
    private final AdversaryBacklog adversaryBacklog;

    public Producer(Client client, long seed, double jobsPerSecond, long deadlineMs, AdversaryBacklog adversaryBacklog) {
        this.client = client;
        this.adversaryBacklog = adversaryBacklog;
        this.random = new Random(seed);
        this.jobsPerSecond = jobsPerSecond;
        this.deadline = deadlineMs;
    }

    @Override
    public void run() {
        long started = System.nanoTime();
        long jobs = 0;
        while (System.currentTimeMillis() < deadline && !Thread.currentThread().isInterrupted()) {
            int p = random.nextInt(100);
            if (p < 15) {
                jobs += batch();
            } else {
                enqueueOne(p);
                jobs++;
            }
            long due = started + (long) (jobs * 1e9 / jobsPerSecond);
            long waitNs = due - System.nanoTime();
            if (waitNs > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(waitNs));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void enqueueOne(int p) {
        ObjectNode job;
        if (p < 40) {
            job = echo();
        } else if (p < 55) {
            job = job(QUEUE, "baton.sleep").put("maxAttempts", 20);
            job.putObject("payload").put("steps", 1 + random.nextInt(4)).put("stepMs", 50 + random.nextInt(150));
        } else if (p < 65) {
            job = job(QUEUE, "baton.fail").put("maxAttempts", 20);
            job.putObject("payload").put("failTimes", 1 + random.nextInt(2)).put("retryable", random.nextInt(8) != 0);
            job.putObject("backoff").put("initialMs", 100).put("factor", 2.0).put("maxMs", 2000).put("jitter", 0.2);
        } else if (p < 72) {
            job = echo().put("uniqueKey", "u-" + random.nextInt(UNIQUE_KEYS));
        } else if (p < 88) {
            job = echo().put("delayMs", 500 + random.nextInt(5000));
        } else if (adversaryBacklog.full()) {
            job = echo();
        } else {
            job = job(ADVERSARY_QUEUE, ADVERSARY_TYPE).put("maxAttempts", 50);
            job.putObject("payload").put("n", UUID.randomUUID().toString());
            job.putObject("backoff").put("initialMs", 100).put("factor", 2.0).put("maxMs", 2000).put("jitter", 0.2);
        }
        resendWhileUnknown("POST", "/api/v1/jobs", job, "enqueue", (data, res) -> {
            data.put("id", res.body().path("id").asText());
            data.put("deduplicated", res.status() == 200);
            data.put("status", res.body().path("status").asText());
        });
    }

    private int batch() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ArrayNode jobs = body.putArray("jobs");
        int n = 5 + random.nextInt(16);
        for (int i = 0; i < n; i++) {
            jobs.add(echo());
        }
        resendWhileUnknown("POST", "/api/v1/jobs/batch", body, "enqueue_batch", (data, res) -> {
            ArrayNode ids = data.putArray("ids");
            res.body().path("jobs").forEach(j -> ids.add(j.path("id").asText()));
        });
        return n;
    }

    private ObjectNode echo() {
        ObjectNode job = job(QUEUE, "baton.echo").put("maxAttempts", 20);
        job.putObject("payload").put("echo", UUID.randomUUID().toString()).put("at", System.currentTimeMillis());
        return job;
    }

    private static ObjectNode job(String queue, String type) {
        return JsonNodeFactory.instance.objectNode().put("queue", queue).put("type", type);
    }

    interface Acked {
        void describe(ObjectNode data, Client.Result result);
    }

    /** Sends {@code body} under one Idempotency-Key until it is answered (or refused), at most {@link #RESENDS} times. */
    private Client.Result resendWhileUnknown(String method, String path, ObjectNode body, String kind, Acked acked) {
        String key = UUID.randomUUID().toString();
        Client.Result r = null;
        for (int i = 0; i < RESENDS && System.currentTimeMillis() < deadline + 30_000; i++) {
            r = client.send(method, path, body, key, client.pick(), Client.TIMEOUT);
            ObjectNode data = Client.data().put("key", key).put("try", i + 1);
            data.set("request", body);
            if (r.ok()) {
                acked.describe(data, r);
            }
            client.record(kind, r.ok() && body.has("type") ? r.body().path("id").asText() : null, r, data);
            if (r.outcome() != Op.Outcome.UNKNOWN) {
                return r;
            }
            try {
                Thread.sleep(200L * (i + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r;
            }
        }
        return r;
    }
}
