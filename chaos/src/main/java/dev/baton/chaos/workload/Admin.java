package dev.baton.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * An operator at work: lists jobs, cancels, retries and edits them with {@code expectedVersion}
 * (and sometimes with a version already stale, which must be refused), and runs bulk operations
 * under an Idempotency-Key.
 */
public final class Admin implements Runnable {
    private static final String[] STATUSES = {"queued", "running", "failed", "cancelled", "queued", "running"};

    private final Client client;
    private final Random random;
    private final long deadline;
    private final long pauseMs;

    public Admin(Client client, long seed, long deadlineMs, long pauseMs) {
        this.client = client;
        this.random = new Random(seed);
        this.deadline = deadlineMs;
        this.pauseMs = pauseMs;
    }

    @Override
    public void run() {
        while (System.currentTimeMillis() < deadline && !Thread.currentThread().isInterrupted()) {
            List<JsonNode> jobs = list(STATUSES[random.nextInt(STATUSES.length)]);
            if (!jobs.isEmpty()) {
                if (random.nextInt(6) == 0) {
                    bulk(jobs);
                } else {
                    act(jobs.get(random.nextInt(jobs.size())));
                }
            }
            try {
                Thread.sleep(Duration.ofMillis(pauseMs));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private List<JsonNode> list(String status) {
        Client.Result r = client.send("GET", "/api/v1/jobs?limit=50&status=" + status, null);
        ObjectNode data = Client.data().put("filter", status);
        List<JsonNode> jobs = new ArrayList<>();
        if (r.ok()) {
            // what the read saw, [id, version] each: no read may show a version older than one acknowledged before it
            ArrayNode seen = data.putArray("seen");
            r.body().path("items").forEach(j -> {
                jobs.add(j);
                seen.addArray().add(j.path("id").asLong()).add(j.path("version").asLong());
            });
        }
        client.record("list", null, r, data);
        return jobs;
    }

    private void act(JsonNode job) {
        String id = job.path("id").asText();
        long version = job.path("version").asLong();
        boolean stale = random.nextInt(8) == 0;
        long expected = stale ? version - 1 : version;
        String status = job.path("status").asText();
        ObjectNode body = Client.data().put("expectedVersion", expected);
        String kind;
        String path;
        String method = "POST";
        switch (status) {
            case "queued" -> {
                if (random.nextBoolean()) {
                    kind = "patch";
                    method = "PATCH";
                    path = "/api/v1/jobs/" + id;
                    body.put("priority", random.nextInt(10));
                    body.putObject("labels").put("touched", Integer.toString(random.nextInt(1000)));
                } else {
                    kind = "cancel";
                    path = "/api/v1/jobs/" + id + "/cancel";
                    body.put("reason", "chaos admin");
                }
            }
            case "running" -> {
                kind = "cancel";
                path = "/api/v1/jobs/" + id + "/cancel";
                body.put("reason", "chaos admin");
            }
            default -> {
                kind = "retry";
                path = "/api/v1/jobs/" + id + "/retry";
            }
        }
        Client.Result r = client.send(method, path, body, null, client.pick(), Client.TIMEOUT);
        ObjectNode data = Client.data().put("expectedVersion", expected).put("readVersion", version).put("stale", stale);
        if (r.ok()) {
            data.put("version", r.body().path("version").asLong()).put("status", r.body().path("status").asText());
        }
        client.record(kind, id, r, data);
    }

    private void bulk(List<JsonNode> jobs) {
        ObjectNode body = Client.data();
        ArrayNode ops = body.putArray("operations");
        List<JsonNode> picked = new ArrayList<>(jobs);
        Collections.shuffle(picked, random);
        for (JsonNode job : picked.subList(0, Math.min(picked.size(), 1 + random.nextInt(15)))) {
            String status = job.path("status").asText();
            String action = status.equals("failed") || status.equals("cancelled") ? "retry" : "cancel";
            ops.addObject().put("id", job.path("id").asText()).put("action", action)
                    .put("expectedVersion", job.path("version").asLong());
        }
        String key = UUID.randomUUID().toString();
        for (int i = 0; i < 4; i++) {
            Client.Result r = client.send("POST", "/api/v1/jobs/bulk", body, key, client.pick(), Client.TIMEOUT);
            ObjectNode data = Client.data().put("key", key);
            data.set("request", body);
            if (r.ok()) {
                data.set("succeeded", r.body().path("succeeded"));
            }
            client.record("bulk", null, r, data);
            if (r.outcome() != Op.Outcome.UNKNOWN) {
                return;
            }
        }
    }
}
