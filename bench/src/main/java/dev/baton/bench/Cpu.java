package dev.baton.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * CPU time spent on one measurement, split by who spent it: the coordinators, the workers, the
 * PostgreSQL backends connected to the benchmark's database, and this JVM. On a shared 2-core
 * machine wall-clock rates swing with everybody else's load; CPU per operation does much less.
 */
final class Cpu {
    private final List<Proc> coordinators;
    private final List<Proc> workers;
    private final String db;
    private final Set<Long> notCounted;
    private final long[] start;

    record Spent(long coordinatorMs, long workerMs, long postgresMs, long benchMs) {
        /** µs of CPU per operation, by who spent it, as {@code prefix_cpu_us_coord=… …} on the summary line. */
        void addTo(Line line, String prefix, double ops) {
            line.add(prefix + "cpu_us_coordinator", coordinatorMs * 1000.0 / ops);
            if (workerMs > 0) {
                line.add(prefix + "cpu_us_worker", workerMs * 1000.0 / ops);
            }
            line.add(prefix + "cpu_us_postgres", postgresMs * 1000.0 / ops)
                    .add(prefix + "cpu_us_bench", benchMs * 1000.0 / ops);
        }
    }

    private Cpu(List<Proc> coordinators, List<Proc> workers, String db, Set<Long> notCounted) {
        this.coordinators = coordinators;
        this.workers = workers;
        this.db = db;
        this.notCounted = notCounted;
        this.start = now();
    }

    static Cpu start(List<Proc> coordinators, List<Proc> workers, String db) {
        return new Cpu(coordinators, workers, db, Set.of());
    }

    /**
     * As {@link #start(List, List, String)}, leaving out the backends {@code notCounted} (the
     * bench's own connection watching the drain: its counting queries are not the system's cost).
     */
    static Cpu start(List<Proc> coordinators, List<Proc> workers, String db, Set<Long> notCounted) {
        return new Cpu(coordinators, workers, db, notCounted);
    }

    Spent stop() {
        long[] end = now();
        return new Spent(end[0] - start[0], end[1] - start[1], end[2] - start[2], end[3] - start[3]);
    }

    private long[] now() {
        return new long[] {
            coordinators.stream().mapToLong(Proc::cpuMs).sum(),
            workers.stream().mapToLong(Proc::cpuMs).sum(),
            postgresBackendsMs(db, notCounted),
            Proc.cpuMs(ProcessHandle.current().pid())
        };
    }

    /** CPU of the backends whose title names {@code db} ("postgres: 15/main: user db host(port) state"). */
    static long postgresBackendsMs(String db) {
        return postgresBackendsMs(db, Set.of());
    }

    private static long postgresBackendsMs(String db, Set<Long> notCounted) {
        String needle = " " + db + " ";
        long total = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmd.startsWith("postgres: ") && cmd.contains(needle)
                            && !notCounted.contains(Long.parseLong(p.getFileName().toString()))) {
                        total += Proc.cpuMs(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return total;
    }
}
