package dev.baton.coordinator;

import dev.baton.common.config.LogFormat;
import dev.baton.common.logging.JulBridge;
import dev.baton.common.config.SettingsReader;
import dev.baton.coordinator.config.Settings;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar baton-coordinator.jar}: configured by BATON_* environment variables. SIGTERM
 * or Ctrl-C stops it gracefully ({@link GracefulStop}) and it exits 0, or 1 when the stop took
 * longer than BATON_SHUTDOWN_TIMEOUT_MS. A bad setting exits 2, a failed start 1, each with one
 * line saying why (the stack trace only at debug level).
 */
public final class CoordinatorMain {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorMain.class);

    private CoordinatorMain() {
    }

    public static void main(String[] args) throws Exception {
        JulBridge.install(); // OpenTelemetry logs through java.util.logging: to stdout, in BATON_LOG_FORMAT, too
        Settings settings;
        try {
            settings = Settings.load(System.getenv(), Map.of());
            // read by the logging configuration, which cannot refuse it (LogFormatEncoder)
            LogFormat.read(SettingsReader.fromEnvironment(System.getenv(), Map.of()));
        } catch (IllegalArgumentException e) {
            System.err.println("Baton did not start: " + e.getMessage());
            System.exit(2);
            return;
        }
        Settings.unknownNames(System.getenv())
                .forEach(name -> LOG.warn("{} is not a Baton setting and is ignored", name));
        // The one shutdown hook of the process: nothing else (Micronaut, the embedded servers)
        // registers one, so nothing is stopped under the coordinator while it drains. It is added
        // before the start: a Ctrl-C while the embedded PostgreSQL and Redis start waits for the
        // start and then stops them, instead of leaving them running. halt, not exit: the JVM is
        // already exiting, and a stop on SIGTERM is a clean exit, not status 143.
        CompletableFuture<Coordinator> started = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Coordinator coordinator;
            try {
                coordinator = started.get(settings.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (Exception startFailedOrTooSlow) {
                Runtime.getRuntime().halt(1);
                return;
            }
            Runtime.getRuntime().halt(coordinator.stop() ? 0 : 1);
        }, "coordinator-stop"));
        Coordinator coordinator;
        try {
            coordinator = Coordinator.start(settings);
        } catch (Exception | Error e) {
            LOG.debug("start failed", e);
            System.err.println("Baton did not start: " + rootMessage(e));
            started.completeExceptionally(e);
            System.exit(1);
            return;
        }
        started.complete(coordinator);
        coordinator.awaitStop();
    }

    /** The innermost cause says what is wrong ("Address already in use"); Micronaut's wrappers say where. */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage().strip();
        return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message.lines().findFirst().orElse(""));
    }
}
