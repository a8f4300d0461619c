package dev.baton.coordinator.jobrunr;

import java.lang.reflect.Field;
import java.time.Duration;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.threadpool.JobRunrExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops JobRunr's background server without racing its own work onboarding. JobRunr 7.2.3's
 * {@link BackgroundJobServer#stop} stops the workers first (their executor becomes null) and its
 * steward and zookeepers after: a steward pass that finds an enqueued job in between (a
 * maintenance job coming due at that moment) hands it to the null executor, and JobRunr logs a
 * NullPointerException as "a problematic exception". So the steward and zookeepers stop first,
 * waiting for a pass in flight; then {@link BackgroundJobServer#pauseProcessing} marks the server
 * not running (a worker that finishes a job no longer looks for the next) and stops the workers;
 * then {@code stop()} does the rest. JobRunr keeps its thread pool in a private field; when a
 * version names it otherwise, this stops the workers first and JobRunr's own way after.
 */
public final class JobRunrStop {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunrStop.class);
    /** What JobRunr itself gives a pass in flight to end. */
    private static final Duration PASS_WAIT = Duration.ofSeconds(10);

    private JobRunrStop() {
    }

    public static void stop(BackgroundJobServer server) {
        JobRunrExecutor zookeepers = zookeepers(server);
        if (zookeepers != null) {
            zookeepers.stop(PASS_WAIT);
        }
        if (server.isRunning()) {
            server.pauseProcessing();
        }
        server.stop();
    }

    private static JobRunrExecutor zookeepers(BackgroundJobServer server) {
        try {
            Field f = BackgroundJobServer.class.getDeclaredField("zookeeperThreadPool");
            f.setAccessible(true);
            return (JobRunrExecutor) f.get(server);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("JobRunr's zookeeper pool is not where 7.2.3 keeps it ({}); its workers stop first", e.toString());
            return null;
        }
    }
}
