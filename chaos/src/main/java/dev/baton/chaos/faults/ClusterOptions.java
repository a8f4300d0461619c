package dev.baton.chaos.faults;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link Cluster#start} starts. {@code coordinatorEnv} and {@code workerEnv} are added to
 * (and override) the BATON_* variables the cluster sets itself.
 */
public record ClusterOptions(Path workDir, int coordinators, int workers, int workerConcurrency,
                             List<String> workerQueues, long workerLeaseMs, Path coordinatorJar, Path workerJar,
                             Map<String, String> coordinatorEnv, Map<String, String> workerEnv) {

    public ClusterOptions {
        Objects.requireNonNull(workDir, "workDir");
        if (coordinators < 1 || workers < 0 || workerConcurrency < 1) {
            throw new IllegalArgumentException("at least one coordinator, no negative workers, concurrency >= 1");
        }
        workerQueues = List.copyOf(workerQueues);
        Objects.requireNonNull(coordinatorJar, "coordinatorJar");
        Objects.requireNonNull(workerJar, "workerJar");
        coordinatorEnv = Map.copyOf(coordinatorEnv);
        workerEnv = Map.copyOf(workerEnv);
    }

    /** The jars of a build at {@code repoRoot} ({@code ./mvnw install}), queue {@code default}, 4 s leases. */
    public static ClusterOptions defaults(Path workDir, Path repoRoot, int coordinators, int workers) {
        return new ClusterOptions(workDir, coordinators, workers, 8, List.of("default"), 4000,
                repoRoot.resolve("coordinator/target/baton-coordinator.jar"),
                repoRoot.resolve("worker/target/baton-worker.jar"), Map.of(), Map.of());
    }
}
