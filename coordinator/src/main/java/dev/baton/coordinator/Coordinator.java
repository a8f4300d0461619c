package dev.baton.coordinator;

import java.util.Map;

/**
 * {@code java -jar baton-coordinator.jar}: configured by BATON_* environment variables. SIGTERM
 * or Ctrl-C stops it gracefully ({@link GracefulStop}) and it exits 0, or 1 when the stop took
 * longer than BATON_SHUTDOWN_TIMEOUT_MS.
 */
public final class Coordinator {
    private Coordinator() {
    }

    public static void main(String[] args) throws Exception {
        BatonCoordinator coordinator = BatonCoordinator.start(Settings.load(System.getenv(), Map.of()));
        // The one shutdown hook of the process: nothing else (Micronaut, the embedded servers)
        // registers one, so nothing is stopped under the coordinator while it drains. halt, not
        // exit: the JVM is already exiting, and a stop on SIGTERM is a clean exit, not status 143.
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> Runtime.getRuntime().halt(coordinator.stop() ? 0 : 1), "coordinator-stop"));
        coordinator.awaitStop();
    }
}
