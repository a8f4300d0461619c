package dev.baton.coordinator.jobrunr;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.maintenance.Every;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import org.jobrunr.server.BackgroundJobServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts JobRunr's background server again after it stopped itself. JobRunr 7.2.3's server
 * zookeeper treats any exception in one of its passes (a database that cannot be reached for one
 * poll interval is enough) as unrecoverable and stops the whole server for good, and with it every
 * maintenance job JobRunr runs on this coordinator. So every few seconds this looks: a server that
 * is not running is started again once the database answers (its {@code start()} is a no-op on a
 * started server), logged once at WARN when found stopped and once at INFO when it runs again. It
 * stops before {@link JobRunrStop} stops the server, so it never restarts one being stopped.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class JobRunrWatchdog {
    static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(JobRunrWatchdog.class);
    private final BackgroundJobServer server;
    private final Db db;
    private final Every timer;
    /** Whether the server was ever started, and whether it was found stopped since it last ran; timer thread only. */
    private boolean started;
    private boolean down;

    public JobRunrWatchdog(BackgroundJobServer server, Db db) {
        this.server = server;
        this.db = db;
        this.timer = Every.start("jobrunr-watchdog", INTERVAL, INTERVAL, this::step);
    }

    /** One look; tests may call it directly. */
    void step() {
        if (!stopped()) {
            started = true;
            if (down && server.isAnnounced()) {
                down = false;
                LOG.info("JobRunr's background server runs again");
            }
            return;
        }
        if (!started) {
            return; // not yet started: JobRunr's own starter does that when the context has started
        }
        if (!down) {
            down = true;
            LOG.warn("JobRunr's background server stopped (see JobRunr's error above); it is started again "
                    + "once the database answers");
        }
        if (db.isUp()) {
            server.start();
        }
    }

    /**
     * {@code stop()} clears the first heartbeat and {@code start()} sets it: unlike
     * {@code isRunning()}, which is also false for a moment while JobRunr changes its state, this
     * says the server is stopped and stays so.
     */
    private boolean stopped() {
        return server.getServerStatus().getFirstHeartbeat() == null;
    }

    /** The timer; tests wait for its next pass. */
    public Every timer() {
        return timer;
    }

    @PreDestroy
    void stop() {
        timer.stop();
    }
}
