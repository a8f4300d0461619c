package dev.baton.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A worker written against the HTTP API that behaves as badly as the protocol allows: it claims
 * with short leases, reports progress by compare-and-swap (and sometimes with a stale version on
 * purpose), appends numbered log lines and resends batches, resends and races its completes, fails
 * attempts, and lets leases lapse before writing with the lost token. Every answer goes into the
 * history, which is what the checker holds the cluster to: what it acknowledged must be there.
 */
public final class Adversary implements Runnable {
    /** How long a complete or fail whose outcome is unknown is resent, as a real worker would. */
    static final long RESEND_FOR_MS = 60_000;

    private final Client client;
    private final Random random;
    private final long deadline;
    private final boolean polite;

    /**
     * @param polite plays every attempt out properly (progress, logs, one complete): what drains
     *               the queue once the faults are healed
     */
    public Adversary(Client client, long seed, long deadlineMs, boolean polite) {
        this.client = client;
        this.random = new Random(seed);
        this.deadline = deadlineMs;
        this.polite = polite;
    }

    @Override
    public void run() {
        while (System.currentTimeMillis() < deadline && !Thread.currentThread().isInterrupted()) {
            List<Attempt> claimed = claim();
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (Attempt a : claimed) {
                long seed = random.nextLong();
                running.add(CompletableFuture.runAsync(() -> a.run(new Random(seed)),
                        r -> Thread.ofVirtual().start(r)));
            }
            running.forEach(CompletableFuture::join);
        }
    }

    private List<Attempt> claim() {
        int leaseMs = 2000 + random.nextInt(3000);
        ObjectNode body = Client.data().put("workerId", client.name()).put("limit", 1 + random.nextInt(6))
                .put("waitMs", 1000).put("leaseMs", leaseMs);
        body.putArray("queues").add(Producer.ADVERSARY_QUEUE);
        Client.Result r = client.send("POST", "/api/v1/claims", body, null, client.pick(),
                Client.TIMEOUT.plusSeconds(1));
        ObjectNode data = Client.data();
        ArrayNode jobs = data.putArray("jobs");
        List<Attempt> attempts = new ArrayList<>();
        if (r.ok()) {
            for (JsonNode j : r.body().path("jobs")) {
                jobs.addObject().put("id", j.path("id").asText()).put("attempt", j.path("attempt").asInt())
                        .put("version", j.path("version").asLong())
                        .put("expiresAt", j.path("lease").path("expiresAt").asText());
                attempts.add(new Attempt(j.path("id").asText(), j.path("leaseToken").asText(),
                        j.path("attempt").asInt(), j.path("version").asLong(), leaseMs, j.path("payload")));
            }
        }
        client.record("claim", null, r, data);
        if (!r.ok() && r.status() != 200) {
            pause(200);
        }
        return attempts;
    }

    /** One claimed attempt, played out. */
    private final class Attempt {
        final String id;
        final String token;
        final int attempt;
        final int leaseMs;
        final JsonNode payload;
        final String path;
        long version;
        int seq;

        Attempt(String id, String token, int attempt, long version, int leaseMs, JsonNode payload) {
            this.id = id;
            this.token = token;
            this.attempt = attempt;
            this.version = version;
            this.leaseMs = leaseMs;
            this.payload = payload;
            this.path = "/api/v1/jobs/" + id;
        }

        void run(Random random) {
            int steps = 1 + random.nextInt(4);
            // one attempt in seven outlives its lease several times over, kept alive by heartbeats
            long stepPause = !polite && random.nextInt(7) == 0 ? leaseMs / 3 : 0;
            for (int step = 1; step <= steps + (stepPause > 0 ? 6 : 0); step++) {
                if (!progress(step, steps) || !logs(random)) {
                    return;
                }
                if (!polite && random.nextInt(10) == 0) {
                    staleProgress();
                }
                if (stepPause > 0) {
                    pause(stepPause);
                    if (!heartbeat()) {
                        return;
                    }
                } else if (random.nextInt(4) == 0) {
                    heartbeat();
                }
            }
            int end = polite ? 0 : random.nextInt(100);
            if (end < 70) {
                complete(random);
            } else if (end < 82) {
                fail();
            } else if (end < 94) {
                // past the lease, mostly before a reaper has ended it: every write must be refused
                pause(leaseMs + 20 + random.nextInt(430));
                lateWrites(random);
            }
            // else: abandoned, like a worker that died; its lease lapses
        }

        boolean progress(int step, int steps) {
            ObjectNode body = token().put("expectedVersion", version).put("current", step).put("total", steps)
                    .put("message", "step " + step + " of attempt " + attempt);
            for (int i = 0; i < 3; i++) {
                Client.Result r = client.send("POST", path + "/progress", body);
                ObjectNode data = Client.data().put("attempt", attempt).put("expectedVersion", version)
                        .put("current", step).put("message", body.path("message").asText());
                if (r.ok()) {
                    version = r.body().path("version").asLong();
                    client.record("progress", id, r, data.put("version", version));
                    return true;
                }
                if (r.outcome() == Op.Outcome.REFUSED) {
                    JsonNode job = r.body().path("job");
                    if ("version_conflict".equals(r.code()) && job.path("status").asText().equals("running")
                            && job.path("progress").path("message").asText().equals(body.path("message").asText())) {
                        // our own update, applied although its answer was lost: go on from it
                        version = job.path("version").asLong();
                        client.record("progress_applied", id, r, data.put("version", version));
                        return true;
                    }
                    client.record("progress", id, r, data);
                    return false;
                }
                client.record("progress", id, r, data);
                pause(200);
            }
            return false;
        }

        void staleProgress() {
            ObjectNode body = token().put("expectedVersion", version - 1).put("current", 0)
                    .put("message", "stale write of attempt " + attempt);
            Client.Result r = client.send("POST", path + "/progress", body);
            client.record("progress_stale", id, r, Client.data().put("attempt", attempt)
                    .put("expectedVersion", version - 1));
        }

        boolean logs(Random random) {
            ObjectNode body = token();
            ArrayNode entries = body.putArray("entries");
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                seq++;
                entries.addObject().put("seq", seq).put("level", "info").put("message",
                        "job " + id + " attempt " + attempt + " line " + seq + " " + UUID.randomUUID());
            }
            boolean resendAnyway = random.nextInt(5) == 0;
            for (int i = 0; i < 4; i++) {
                Client.Result r = client.send("POST", path + "/logs", body);
                ObjectNode data = Client.data().put("attempt", attempt);
                data.set("entries", entries);
                client.record("logs", id, r, data);
                if (r.ok() && resendAnyway) {
                    resendAnyway = false;
                    continue;
                }
                if (r.outcome() != Op.Outcome.UNKNOWN) {
                    return r.ok();
                }
                pause(200);
            }
            return false;
        }

        boolean heartbeat() {
            Client.Result r = client.send("POST", path + "/heartbeat", token());
            ObjectNode data = Client.data().put("attempt", attempt);
            if (r.ok()) {
                data.put("expiresAt", r.body().path("lease").path("expiresAt").asText());
            }
            client.record("heartbeat", id, r, data);
            return r.outcome() != Op.Outcome.REFUSED;
        }

        void complete(Random random) {
            ObjectNode body = token();
            body.putObject("result").put("n", payload.path("n").asText()).put("attempt", attempt)
                    .put("by", client.name());
            if (random.nextInt(6) == 0) {
                // two sends of the same complete at once: one applies, the other is answered the same
                CompletableFuture<Client.Result> other = CompletableFuture.supplyAsync(
                        () -> client.send("POST", path + "/complete", body), r -> Thread.ofVirtual().start(r));
                recordEnd("complete", client.send("POST", path + "/complete", body), body);
                recordEnd("complete", other.join(), body);
            }
            boolean resendAnyway = random.nextInt(5) == 0;
            long giveUp = System.currentTimeMillis() + RESEND_FOR_MS;
            for (int i = 0; System.currentTimeMillis() < giveUp; i++) {
                Client.Result r = client.send("POST", path + "/complete", body);
                recordEnd("complete", r, body);
                if (r.ok() && resendAnyway) {
                    resendAnyway = false;
                    continue;
                }
                if (r.outcome() != Op.Outcome.UNKNOWN) {
                    return;
                }
                pause(Math.min(3000, 200L << Math.min(i, 4)));
            }
        }

        void fail() {
            ObjectNode body = token();
            body.putObject("error").put("message", "adversary fails attempt " + attempt).put("type", "chaos")
                    .put("retryable", true);
            long giveUp = System.currentTimeMillis() + RESEND_FOR_MS;
            for (int i = 0; System.currentTimeMillis() < giveUp; i++) {
                Client.Result r = client.send("POST", path + "/fail", body);
                recordEnd("fail", r, body);
                if (r.outcome() != Op.Outcome.UNKNOWN) {
                    return;
                }
                pause(Math.min(3000, 200L << Math.min(i, 4)));
            }
        }

        /**
         * Writes with a lease that has expired: each must be refused, whether or not a reaper has
         * ended the attempt yet (the 409's job says which).
         */
        void lateWrites(Random random) {
            ObjectNode complete = token();
            complete.putObject("result").put("late", true).put("attempt", attempt);
            ObjectNode progress = token().put("expectedVersion", version).put("current", 99)
                    .put("message", "late write of attempt " + attempt);
            ObjectNode logs = token();
            logs.putArray("entries").addObject().put("seq", seq + 1).put("level", "info")
                    .put("message", "late line of attempt " + attempt);
            ObjectNode fail = token();
            fail.putObject("error").put("message", "late fail").put("type", "chaos").put("retryable", true);
            List<Map.Entry<String, ObjectNode>> writes = new ArrayList<>(List.of(Map.entry("complete", complete),
                    Map.entry("progress", progress), Map.entry("logs", logs), Map.entry("heartbeat", token()),
                    Map.entry("fail", fail)));
            Collections.shuffle(writes, random);
            for (Map.Entry<String, ObjectNode> w : writes.subList(0, 1 + random.nextInt(writes.size()))) {
                Client.Result r = client.send("POST", path + "/" + w.getKey(), w.getValue());
                client.record(w.getKey() + "_late", id, r, Client.data().put("attempt", attempt));
            }
        }

        private void recordEnd(String kind, Client.Result r, ObjectNode body) {
            ObjectNode data = Client.data().put("attempt", attempt);
            if (body.has("result")) {
                data.set("result", body.get("result"));
            }
            if (r.ok()) {
                data.put("version", r.body().path("version").asLong()).put("status", r.body().path("status").asText());
            }
            client.record(kind, id, r, data);
        }

        private ObjectNode token() {
            return Client.data().put("leaseToken", token);
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(Duration.ofMillis(ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
