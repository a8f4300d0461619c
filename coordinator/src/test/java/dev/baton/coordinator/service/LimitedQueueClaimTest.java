package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Claims of limited queues wait for the queue's row lock. A claim cut off during that wait
 * claims nothing, not even from the unlimited queues it also named; a claim that waited is
 * stamped (start, lease, event, rate) with a time after the wait, so the rate still holds.
 */
class LimitedQueueClaimTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(LimitedQueueClaimTest.class, 1);
        // Before any claim, so the coordinator's first look at the limited queues sees both.
        assertThat(cluster.api().put("/api/v1/queues/lq-capped", Api.ADMIN, Map.of("maxRunning", 10)).status()).isEqualTo(200);
        assertThat(cluster.api().put("/api/v1/queues/lq-paced", Api.ADMIN, Map.of("ratePerSecond", 1.0)).status()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static CompletableFuture<Api.Resp> claimAsync(List<String> queues, int limit) {
        return CompletableFuture.supplyAsync(() -> cluster.api().post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "lq-worker", "queues", queues, "limit", limit, "leaseMs", 60_000)));
    }

    @Test
    void aClaimCutOffWhileWaitingForALimitedQueueClaimsNothing() throws Exception {
        String free = Jobs.enqueue(cluster.api(), "lq-free", Map.of()).path("id").asText();
        String capped = Jobs.enqueue(cluster.api(), "lq-capped", Map.of()).path("id").asText();
        Api.Resp answer;
        try (Connection holder = cluster.sql()) {
            holder.setAutoCommit(false);
            lockQueueRow(holder, "lq-capped");
            CompletableFuture<Api.Resp> claim = claimAsync(List.of("lq-free", "lq-capped"), 5);
            int pid = claimsWaitingForAQueueLock(1).get(0);
            // The database drops the claim's connection while the claim has already taken the
            // unlimited queue's job and waits for the limited queue's row.
            try (Connection admin = cluster.sql(); PreparedStatement ps = admin.prepareStatement("select pg_terminate_backend(?)")) {
                ps.setInt(1, pid);
                ps.execute();
            }
            answer = claim.get(60, TimeUnit.SECONDS);
            holder.rollback();
        }
        List<String> answered = new ArrayList<>();
        if (answer.status() == 200) {
            answer.body().path("jobs").forEach(j -> answered.add(j.path("id").asText()));
        }
        List<String> running = new ArrayList<>();
        for (String id : List.of(free, capped)) {
            JsonNode job = Jobs.get(cluster.api(), id);
            if (job.path("status").asText().equals("running")) {
                running.add(id);
            } else {
                assertThat(job.path("attempt").asInt()).as("job %s lost no attempt", id).isZero();
            }
        }
        assertThat(running).as("every job left running was handed to the worker").containsExactlyInAnyOrderElementsOf(answered);
        assertThat(answer.status()).as(answer.toString()).isIn(200, 503);

        Api.Resp again = cluster.api().post("/api/v1/claims", Api.WORKER,
                Map.of("workerId", "lq-worker", "queues", List.of("lq-free", "lq-capped"), "limit", 5));
        assertThat(again.status()).isEqualTo(200);
        List<String> ids = new ArrayList<>(answered);
        again.body().path("jobs").forEach(j -> ids.add(j.path("id").asText()));
        assertThat(ids).containsExactlyInAnyOrder(free, capped);
        assertThat(cluster.queryLong("select max(attempt) from jobs where queue in ('lq-free', 'lq-capped')")).isEqualTo(1);
    }

    @Test
    void aClaimThatWaitedForTheQueueLockIsStampedAfterTheWaitAndKeepsTheRate() throws Exception {
        for (int i = 0; i < 3; i++) {
            Jobs.enqueue(cluster.api(), "lq-paced", Map.of());
        }
        List<Api.Resp> answers = new ArrayList<>();
        Instant released;
        try (Connection holder = cluster.sql()) {
            holder.setAutoCommit(false);
            lockQueueRow(holder, "lq-paced");
            CompletableFuture<Api.Resp> first = claimAsync(List.of("lq-paced"), 3);
            claimsWaitingForAQueueLock(1);
            // Longer than the queue's one-second rate: a claim stamped with the time it began
            // waiting would count its window from before the first claim's start.
            try (PreparedStatement ps = holder.prepareStatement("select pg_sleep(1.2)")) {
                ps.execute();
            }
            CompletableFuture<Api.Resp> second = claimAsync(List.of("lq-paced"), 3);
            claimsWaitingForAQueueLock(2);
            released = databaseTime(holder, "select clock_timestamp()");
            holder.commit();
            answers.add(first.get(60, TimeUnit.SECONDS));
            answers.add(second.get(60, TimeUnit.SECONDS));
        }
        List<String> claimed = new ArrayList<>();
        for (Api.Resp r : answers) {
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            r.body().path("jobs").forEach(j -> claimed.add(j.path("id").asText()));
        }
        assertThat(claimed).as("1/s, both claims an instant apart: one start").hasSize(1);
        long id = Long.parseLong(claimed.get(0));
        try (Connection c = cluster.sql(); PreparedStatement ps = c.prepareStatement("""
                select j.started_at, j.lease_expires_at, e.at from jobs j
                join job_events e on e.job_id = j.id and e.type = 'claimed' where j.id = ?""")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                Instant startedAt = rs.getObject(1, OffsetDateTime.class).toInstant();
                assertThat(startedAt).as("started after the lock was released").isAfter(released);
                assertThat(rs.getObject(2, OffsetDateTime.class).toInstant()).isEqualTo(startedAt.plus(Duration.ofSeconds(60)));
                assertThat(rs.getObject(3, OffsetDateTime.class).toInstant()).as("claimed event").isEqualTo(startedAt);
            }
        }
    }

    private static void lockQueueRow(Connection c, String queue) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from queues where name = ? for update")) {
            ps.setString(1, queue);
            ps.executeQuery().close();
        }
    }

    /** Waits until {@code n} claims wait for a queue's row lock; returns their backends' pids. */
    private static List<Integer> claimsWaitingForAQueueLock(int n) throws Exception {
        List<Integer> pids = new ArrayList<>();
        assertThat(Jobs.eventually(20_000, () -> {
            pids.clear();
            try (Connection c = cluster.sql(); PreparedStatement ps = c.prepareStatement("""
                    select pid from pg_stat_activity
                    where datname = current_database() and wait_event_type = 'Lock'
                      and query like '%from queues where name = $1 for update%'""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return pids.size() == n;
        })).as("%d claims waiting for the queue's lock", n).isTrue();
        return pids;
    }

    private static Instant databaseTime(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }
}
