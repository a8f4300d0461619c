package dev.baton.coordinator.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.DatabaseClock;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.service.WorkerSightings;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.redisson.api.RMapCache;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live workers: claims and heartbeats refresh the worker's entry in a Redisson map whose
 * entries expire after {@code BATON_WORKER_TTL_MS}. Informational only; nothing depends on it.
 */
@Singleton
public final class WorkerRegistry implements WorkerSightings {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerRegistry.class);
    private final RedisHub hub;
    private final Db db;
    private final String mapName;
    private final long ttlMs;

    public record Seen(String workerId, List<String> queues, Instant lastSeenAt) {
    }

    // A busy worker claims and heartbeats many times a second, but its entry only has to outlive
    // the TTL. Two Redisson map calls (Lua scripts) on every claim were ~15% of a coordinator's CPU
    // under claim load, so each coordinator writes a (worker, queues) entry at most once per
    // refresh interval: min(1 s, TTL / 10). lastSeenAt is then at most that much behind.
    private final ConcurrentHashMap<String, Long> lastWritten = new ConcurrentHashMap<>();
    private final long refreshNanos;
    private volatile long lastPruned = System.nanoTime();

    // lastSeenAt is database time, like every time Baton shows. The writes due are gathered here
    // and written by one background writer that reads now() once for all of them: a claim or
    // heartbeat (which may hold a pooled connection already) never waits for a second one.
    private final ConcurrentHashMap<String, Set<String>> due = new ConcurrentHashMap<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    public WorkerRegistry(RedisHub hub, Db db, Settings settings) {
        this.hub = hub;
        this.db = db;
        this.mapName = settings.redisPrefix() + ":workers";
        this.ttlMs = settings.workerTtlMs();
        this.refreshNanos = TimeUnit.MILLISECONDS.toNanos(Math.min(1000, ttlMs / 10));
    }

    @Override
    public void seen(String workerId, List<String> queues) {
        if (hub.client().isEmpty()) {
            return; // not yet connected (or away): nothing is written, so nothing may hold the next write back
        }
        long now = System.nanoTime();
        String key = workerId + "\n" + String.join(",", new TreeSet<>(queues));
        Long last = lastWritten.get(key);
        if (last != null && now - last < refreshNanos) {
            return;
        }
        lastWritten.put(key, now);
        if (now - lastPruned > TimeUnit.MILLISECONDS.toNanos(ttlMs)) {
            lastPruned = now;
            lastWritten.values().removeIf(t -> now - t > refreshNanos);
        }
        due.merge(workerId, new TreeSet<>(queues), (a, b) -> {
            TreeSet<String> all = new TreeSet<>(a);
            all.addAll(b);
            return all;
        });
        startWriter();
    }

    private void startWriter() {
        if (writing.compareAndSet(false, true)) {
            Thread.ofVirtual().name("worker-registry").start(this::writeDue);
        }
    }

    private void writeDue() {
        try {
            while (!due.isEmpty()) {
                Instant dbNow = db.run(DatabaseClock::now);
                for (String workerId : List.copyOf(due.keySet())) {
                    Set<String> queues = due.remove(workerId);
                    if (queues != null) {
                        write(workerId, queues, dbNow);
                    }
                }
            }
        } catch (RuntimeException e) {
            due.clear();
            LOG.debug("worker registry not updated: {}", e.getMessage());
        } finally {
            writing.set(false);
        }
        if (!due.isEmpty()) {
            startWriter(); // a write that came due after the last look
        }
    }

    private void write(String workerId, Set<String> queues, Instant lastSeenAt) {
        hub.client().ifPresent(client -> {
            RMapCache<String, String> map = client.getMapCache(mapName, StringCodec.INSTANCE);
            map.getAsync(workerId).thenCompose(previous -> {
                TreeSet<String> all = new TreeSet<>(queues);
                all.addAll(read(previous).queues());
                String value = Json.write(Map.of("queues", all, "lastSeenAt", lastSeenAt.toString()));
                return map.fastPutAsync(workerId, value, ttlMs, TimeUnit.MILLISECONDS);
            }).exceptionally(e -> {
                LOG.debug("worker registry not updated: {}", e.getMessage());
                return false;
            });
        });
    }

    /** Live workers, or empty when Redis is away or does not answer in time ({@link RedisHub#REQUEST_WAIT}). */
    public List<Seen> live() {
        List<Seen> out = new ArrayList<>();
        hub.client().ifPresent(client -> {
            RMapCache<String, String> map = client.getMapCache(mapName, StringCodec.INSTANCE);
            Map<String, String> all = RedisHub.answer(map.readAllMapAsync());
            if (all == null) {
                LOG.debug("worker registry unreadable");
                return;
            }
            all.forEach((id, value) -> {
                Seen s = read(value);
                out.add(new Seen(id, s.queues(), s.lastSeenAt()));
            });
        });
        out.sort((a, b) -> a.workerId().compareTo(b.workerId()));
        return out;
    }

    private static Seen read(String value) {
        if (value == null) {
            return new Seen(null, List.of(), null);
        }
        try {
            JsonNode node = Json.mapper().readTree(value);
            List<String> queues = new ArrayList<>();
            node.path("queues").forEach(q -> queues.add(q.asText()));
            return new Seen(null, queues, Instant.parse(node.path("lastSeenAt").asText()));
        } catch (JsonProcessingException | RuntimeException e) {
            return new Seen(null, List.of(), null);
        }
    }
}
