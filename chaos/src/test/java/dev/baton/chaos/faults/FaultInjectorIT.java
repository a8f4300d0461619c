package dev.baton.chaos.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A short seeded plan of every kind against a trickle of jobs: the injector applies and heals each
 * fault, the cluster heals, and every job a coordinator accepted ends. Prints what clients saw.
 */
class FaultInjectorIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final long RUN_MS = 45_000;

    @Test
    void aShortPlanOfEveryKind() throws Exception {
        Path workDir = ROOT.resolve("chaos/target/fault-injector-it");
        if (Files.exists(workDir)) {
            try (var paths = Files.walk(workDir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        FaultPlan plan = FaultPlan.generate(Long.getLong("chaos.seed", 5), RUN_MS, EnumSet.allOf(FaultKind.class),
                2, 2, 2000);
        System.out.println(plan.describe());
        Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
        try (Cluster cluster = Cluster.start(ClusterOptions.defaults(workDir, ROOT, 2, 2))) {
            long start = System.currentTimeMillis();
            FaultInjector injector = new FaultInjector(cluster, plan, start);
            injector.start();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int n = t;
                load.add(Thread.ofVirtual().start(() -> {
                    for (int i = n; System.currentTimeMillis() < start + RUN_MS; i++) {
                        int c = i % cluster.coordinators();
                        String outcome;
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                            URI.create(cluster.coordinatorUrls().get(c) + "/api/v1/jobs"))
                                    .timeout(Duration.ofSeconds(5))
                                    .header("Authorization", "Bearer " + cluster.producerToken())
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            "{\"type\":\"baton.sleep\",\"payload\":{\"steps\":2,\"stepMs\":100}}"))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            outcome = Integer.toString(r.statusCode());
                            if (r.statusCode() >= 500 && r.statusCode() != 503) {
                                System.out.println("coordinator-" + c + " answered " + r.statusCode() + ": " + r.body());
                            }
                        } catch (HttpTimeoutException e) {
                            outcome = "timeout";
                        } catch (Exception e) {
                            outcome = e.getClass().getSimpleName() + ": " + e.getMessage();
                        }
                        long at = (System.currentTimeMillis() - start) / 5000 * 5;
                        outcomes.computeIfAbsent(String.format("%03ds coordinator-%d %s", at, c, outcome),
                                        k -> new AtomicLong())
                                .incrementAndGet();
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            for (Thread t : load) {
                t.join();
            }
            long healStart = System.currentTimeMillis();
            injector.stopAndHeal();
            System.out.println("healed in " + (System.currentTimeMillis() - healStart) + " ms");
            for (FaultWindow w : injector.windows()) {
                System.out.printf("%s applied +%d ms, healed after %d ms%s%n", w.fault(), w.startedAtMs() - start,
                        w.healedAtMs() - w.startedAtMs(), w.error() == null ? "" : " ERROR " + w.error());
            }
            System.out.println("client outcomes (by 5 s from the start):");
            new TreeMap<>(outcomes).forEach((k, v) -> System.out.println("  " + k + ": " + v));
            System.out.println("unexpected exits: " + cluster.unexpectedExits());
            assertThat(injector.windows()).hasSize(plan.faults().size())
                    .allSatisfy(w -> assertThat(w.error()).isNull())
                    .allSatisfy(w -> assertThat(w.healedAtMs()).isPositive());

            // every job accepted ends once the cluster is healed (leases of 4 s; sleeps of 200 ms)
            Map<String, Long> byStatus = Map.of();
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                byStatus = statuses(cluster.jdbcUrl());
                if (byStatus.getOrDefault("queued", 0L) + byStatus.getOrDefault("running", 0L) == 0) {
                    break;
                }
                Thread.sleep(1000);
            }
            System.out.println("jobs by status " + (System.currentTimeMillis() - healStart) + " ms after the heal: "
                    + byStatus);
            assertThat(byStatus.getOrDefault("queued", 0L) + byStatus.getOrDefault("running", 0L)).isZero();
        }
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
    }

    private static Map<String, Long> statuses(String jdbcUrl) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             ResultSet rs = c.createStatement().executeQuery("SELECT status, count(*) FROM jobs GROUP BY status")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }
}
