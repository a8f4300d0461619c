package dev.baton.coordinator.jobrunr;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.maintenance.ExpiredLeaseReaper;
import dev.baton.coordinator.maintenance.FinishedJobPruner;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestCluster;
import java.time.Duration;
import java.util.Map;
import org.jobrunr.jobs.JobId;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.storage.StorageProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * JobRunr's background server stops itself for good at the first database error its server
 * zookeeper meets ("An unrecoverable error occurred. Shutting server down...": one failed pass,
 * every BATON_JOBRUNR_POLL_SECONDS). After the outage every background duty must be back by
 * itself: JobRunr's server runs again and executes the jobs it is given, and Baton's own timers
 * never stopped.
 */
class JobRunrOutageTest {
    static TestCluster cluster;
    static TcpProxy proxy;
    static Coordinator coordinator;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(JobRunrOutageTest.class, 0);
        proxy = TcpProxy.before(cluster.jdbcUrl());
        String viaProxy = proxy.via(cluster.jdbcUrl());
        coordinator = cluster.addCoordinator(Map.of("BATON_DB_URL", viaProxy, "BATON_JOBRUNR_POLL_SECONDS", "5"));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        cluster.close();
    }

    @Test
    void everyBackgroundDutyIsBackAfterAnOutage() throws Exception {
        BackgroundJobServer server = coordinator.context().getBean(BackgroundJobServer.class);
        ExpiredLeaseReaper reaper = coordinator.context().getBean(ExpiredLeaseReaper.class);
        Api api = new Api(coordinator.port());
        String id = Jobs.enqueue(api, "outage", Map.of()).path("id").asText();
        Jobs.claimOne(api, "outage", 60_000);
        assertThat(Jobs.eventually(30_000, server::isAnnounced)).as("JobRunr's server started").isTrue();

        proxy.cut();
        assertThat(Jobs.eventually(60_000, () -> !server.isRunning())).as("JobRunr gave up on the database").isTrue();
        assertThat(reaper.timer().awaitPass(Duration.ofSeconds(15))).as("the reaper's timer goes on").isTrue();

        proxy.restore();
        assertThat(Jobs.eventually(60_000, server::isRunning)).as("JobRunr's server runs again").isTrue();
        JobScheduler scheduler = coordinator.context().getBean(JobScheduler.class);
        StorageProvider storage = coordinator.context().getBean(StorageProvider.class);
        JobId pass = scheduler.<FinishedJobPruner>enqueue(pruner -> pruner.step());
        assertThat(Jobs.eventually(60_000, () -> storage.getJobById(pass).getState() == StateName.SUCCEEDED))
                .as("a maintenance job runs after the outage").isTrue();

        cluster.execute("update jobs set lease_expires_at = now() - interval '1 second' where id = ?", Long.parseLong(id));
        assertThat(reaper.timer().awaitPass(Duration.ofSeconds(15))).isTrue();
        assertThat(Jobs.get(api, id).path("status").asText()).as("the reaper ended the expired lease").isEqualTo("queued");
    }
}
