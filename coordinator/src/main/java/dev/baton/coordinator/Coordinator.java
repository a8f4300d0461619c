package dev.baton.coordinator;

import java.util.Map;

/** {@code java -jar baton-coordinator.jar}: configured by BATON_* environment variables. */
public final class Coordinator {
    private Coordinator() {
    }

    public static void main(String[] args) throws Exception {
        BatonCoordinator coordinator = BatonCoordinator.start(Settings.load(System.getenv(), Map.of()));
        Runtime.getRuntime().addShutdownHook(new Thread(coordinator::close, "coordinator-stop"));
        coordinator.awaitStop();
    }
}
