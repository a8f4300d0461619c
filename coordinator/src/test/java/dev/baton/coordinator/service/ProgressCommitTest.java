package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.coordinator.service.RunningJobs.Lease;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Acknowledged progress is durable (it commits with synchronous_commit on), concurrent updates
 * share commits, and an update racing a heartbeat is answered 200 or 409 with the job, never 500.
 */
class ProgressCommitTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        // No reaper: the race below keeps moving the lease's expiry and wants the job to stay running.
        cluster = TestCluster.start(ProgressCommitTest.class, 2, Map.of("BATON_REAPER_INTERVAL_MS", "3600000"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Api.Resp progress(Api api, Lease lease, long expectedVersion, long current) {
        return api.post(RunningJobs.jobPath(lease, "/progress"), Api.WORKER,
                Map.of("leaseToken", lease.token(), "expectedVersion", expectedVersion, "current", current));
    }

    @Test
    void concurrentUpdatesShareDurableCommits() throws Exception {
        // A trigger notes the synchronous_commit each progress transaction runs with.
        cluster.execute("create table commit_modes (job_id bigint, mode text)");
        cluster.execute("""
                create function note_commit_mode() returns trigger language plpgsql as $$
                begin
                    insert into commit_modes values (new.id, current_setting('synchronous_commit'));
                    return new;
                end $$""");
        cluster.execute("create trigger note_commit_mode after update of progress on jobs "
                + "for each row when (new.progress is not null) execute function note_commit_mode()");
        try {
            int n = 32;
            List<Lease> leases = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                leases.add(RunningJobs.start(cluster.api(i % 2)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                for (int round = 0; round < 5; round++) {
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<Api.Resp>> sent = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        Lease lease = leases.get(i);
                        Api api = cluster.api(i % 2);
                        long version = lease.version() + round;
                        long current = round;
                        sent.add(pool.submit(() -> {
                            go.await();
                            return progress(api, lease, version, current);
                        }));
                    }
                    go.countDown();
                    for (Future<Api.Resp> f : sent) {
                        Api.Resp r = f.get(30, TimeUnit.SECONDS);
                        assertThat(r.status()).as(r.toString()).isEqualTo(200);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            String ids = String.join(",", leases.stream().map(Lease::id).toList());
            assertThat(cluster.queryLong("select count(*) from commit_modes where job_id in (" + ids + ")"))
                    .isEqualTo(5L * n);
            assertThat(cluster.queryLong("select count(*) from commit_modes where job_id in (" + ids + ") "
                    + "and mode <> 'on'")).as("progress transactions without synchronous commit").isZero();
            // 32 updates sent at once by 32 clients to two coordinators: they shared transactions.
            assertThat(cluster.queryLong("select count(distinct xmin::text) from jobs where id in (" + ids + ")"))
                    .isLessThan(n);
        } finally {
            cluster.execute("drop trigger note_commit_mode on jobs");
        }
    }

    /**
     * Heartbeats and progress from real threads while the lease runs out. A heartbeat that started
     * before the lease expired waits behind a row lock (a log append in flight holds one; here a
     * test transaction does); the progress update sent after the expiry sees the old lease expired,
     * and the heartbeat commits its renewal while that update is being answered. That update used
     * to find lease and version matching on its second look and answer 500. Every answer must be
     * 200, or 409 with the job.
     */
    @Test
    void progressRacingAHeartbeatIsAnsweredOrRefusedWithTheJob() throws Exception {
        Lease lease = RunningJobs.start(cluster.api());
        long version = lease.version();
        Random random = new Random(7);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int answered = 0;
        int raced = 0;
        try (Connection holder = cluster.sql(); Connection watcher = cluster.sql()) {
            holder.setAutoCommit(false);
            for (int round = 0; round < 100; round++) {
                execute(holder, "update jobs set lease_expires_at = clock_timestamp() + interval '100 ms' where id = ?",
                        lease.idLong());
                holder.commit();
                execute(holder, "select 1 from jobs where id = ? for share", lease.idLong());
                Api api = cluster.api(round % 2);
                Future<Api.Resp> heartbeat = pool.submit(() -> api.post(RunningJobs.jobPath(lease, "/heartbeat"),
                        Api.WORKER, Map.of("leaseToken", lease.token(), "leaseMs", 60000)));
                if (!awaitTrue(watcher, "select count(*) > 0 from pg_stat_activity where datname = current_database() "
                        + "and wait_event_type = 'Lock'", heartbeat::isDone)) {
                    // On a loaded machine the heartbeat can arrive after the expiry: no race this round.
                    holder.rollback();
                    assertThat(heartbeat.get(30, TimeUnit.SECONDS).status()).isEqualTo(409);
                    continue;
                }
                awaitTrue(watcher, "select clock_timestamp() > lease_expires_at from jobs where id = " + lease.id(),
                        () -> false);
                raced++;
                long expected = version;
                Future<Api.Resp> update = pool.submit(() -> progress(api, lease, expected, 1));
                // Let the heartbeat's renewal commit at some moment while the update is on its way or under way.
                LockSupport.parkNanos(random.nextInt(4_000_000));
                holder.rollback();

                Api.Resp beat = heartbeat.get(30, TimeUnit.SECONDS);
                assertThat(beat.status()).as(beat.toString()).isEqualTo(200);
                Api.Resp r = update.get(30, TimeUnit.SECONDS);
                if (r.status() == 200) {
                    version = r.body().path("version").asLong();
                    answered++;
                    continue;
                }
                assertThat(r.status()).as("round %d: %s", round, r).isEqualTo(409);
                assertThat(r.code()).isEqualTo("lease_lost");
                JsonNode job = r.body().path("job");
                assertThat(job.path("id").asText()).as(r.toString()).isEqualTo(lease.id());
                assertThat(job.path("version").asLong()).isEqualTo(version);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(raced).as("rounds where the heartbeat waited").isGreaterThan(30);
        assertThat(answered).isPositive();
    }

    private static void execute(Connection c, String sql, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            ps.execute();
        }
    }

    /**
     * Polls a condition the database decides (a waiting lock, its clock past an instant); false
     * if {@code giveUp} came true first.
     */
    private static boolean awaitTrue(Connection c, String sql, BooleanSupplier giveUp)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return true;
                }
            }
            if (giveUp.getAsBoolean()) {
                return false;
            }
            assertThat(System.nanoTime()).as("waiting for: %s", sql).isLessThan(deadline);
            Thread.sleep(2);
        }
    }
}
