package dev.baton.chaos;

import dev.baton.chaos.check.Checker;
import dev.baton.chaos.check.DbState;
import dev.baton.chaos.check.Verdict;
import dev.baton.chaos.check.Window;
import dev.baton.chaos.faults.Cluster;
import dev.baton.chaos.faults.ClusterOptions;
import dev.baton.chaos.faults.FaultInjector;
import dev.baton.chaos.faults.FaultKind;
import dev.baton.chaos.faults.FaultPlan;
import dev.baton.chaos.faults.FaultWindow;
import dev.baton.chaos.workload.Admin;
import dev.baton.chaos.workload.AdversaryBacklog;
import dev.baton.chaos.workload.Adversary;
import dev.baton.chaos.workload.Client;
import dev.baton.chaos.workload.History;
import dev.baton.chaos.workload.Op;
import dev.baton.common.net.Ports;
import dev.baton.coordinator.embedded.EmbeddedPostgresServer;
import dev.baton.chaos.workload.Producer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code bench/run.sh chaos [--seed N] [--minutes M] …} ({@link Options}): starts a cluster it
 * owns, runs the workload while the seeded fault plan hits it, heals, drains, and checks the
 * history against the database. Prints every invariant and ends with {@code N passed, M failed};
 * exits 1 when any failed. The same seed gives the same fault plan.
 */
public final class Chaos {
    static final int WORKER_CONCURRENCY = 16;
    static final long WORKER_LEASE_MS = 4000;
    /** The longest a drain may take, and the longest its backlog may go without shrinking. */
    static final long DRAIN_MAX_MS = 300_000;
    static final long DRAIN_STALL_MS = 30_000;
    static final String SCHEDULE = "chaos-tick";
    static final long TICK_EVERY_MS = 5000;

    private Chaos() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--recheck")) {
            System.exit(recheck(Path.of(args[1]), System.out).failed() == 0 ? 0 : 1);
            return;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("chaos: " + e.getMessage());
            System.exit(2);
            return;
        }
        Report report = run(options, System.out);
        System.exit(report.failed() == 0 ? 0 : 1);
    }

    public static Report run(Options o, PrintStream out) throws Exception {
        FaultPlan plan = FaultPlan.generate(o.seed(), o.runMs(), o.faults(), o.coordinators(), o.workers(), o.meanGapMs());
        out.printf("chaos: seed %d, %d faults planned over %.1f min, work in %s%n", o.seed(), plan.faults().size(),
                o.minutes(), o.dir());
        out.println(plan.describe());
        freshDirectory(o.dir());
        ClusterOptions clusterOptions = new ClusterOptions(o.dir(), o.coordinators(), o.workers(), WORKER_CONCURRENCY,
                List.of(Producer.QUEUE), WORKER_LEASE_MS, jar(o.root(), "coordinator/target/baton-coordinator.jar"),
                jar(o.root(), "worker/target/baton-worker.jar"), Map.of(), Map.of());
        try (Cluster cluster = Cluster.start(clusterOptions);
             History history = new History(o.dir().resolve("history.jsonl"));
             AdversaryBacklog adversaryBacklog = new AdversaryBacklog(cluster.jdbcUrl()).start()) {
            Random seeds = new Random(o.seed());
            Client admin = new Client("setup", cluster.coordinatorUrls(), cluster.adminToken(), history);
            putSchedule(admin);

            long start = System.currentTimeMillis();
            long deadline = start + o.runMs();
            List<Thread> clients = new ArrayList<>();
            // each producer waits for its answers, as a real one does: enough of them to offer the rate
            int producers = (int) Math.max(2, Math.ceil(o.rate() / 25));
            for (int i = 0; i < producers; i++) {
                Client c = new Client("producer-" + i, cluster.coordinatorUrls(), cluster.producerToken(), history);
                clients.add(start("producer-" + i, new Producer(c, seeds.nextLong(), o.rate() / producers, deadline,
                        adversaryBacklog)));
            }
            for (int i = 0; i < 2; i++) {
                Client c = new Client("admin-" + i, cluster.coordinatorUrls(), cluster.adminToken(), history);
                clients.add(start("admin-" + i, new Admin(c, seeds.nextLong(), deadline, 250)));
            }
            for (int i = 0; i < 6; i++) {
                Client c = new Client("adversary-" + i, cluster.coordinatorUrls(), cluster.workerToken(), history);
                clients.add(start("adversary-" + i, new Adversary(c, seeds.nextLong(), deadline, false)));
            }
            List<FaultWindow> applied;
            try (FaultInjector injector = new FaultInjector(cluster, plan, start)) {
                injector.start();
                for (Thread t : clients) {
                    t.join();
                }
                long end = System.currentTimeMillis();
                injector.stopAndHeal();
                applied = injector.windows();
                out.printf("load and faults done after %.1f s; healed; draining%n", (end - start) / 1000.0);
                Verdict drained = drain(cluster, history, seeds, admin, out);
                DbState db = DbState.read(cluster.jdbcUrl());
                List<Window> windows = applied.stream().map(Chaos::window).toList();
                List<Verdict> verdicts = new ArrayList<>(new Checker(history.ops(), db, windows, TICK_EVERY_MS).run());
                Verdict processes = processes(cluster);
                Verdict faults = faultsApplied(applied);
                verdicts.add(processes);
                verdicts.add(faults);
                verdicts.add(drained);
                RunRecord.write(o.dir(), new RunRecord(o, start, end, windows, List.of(processes, faults, drained)));
                Report report = new Report(o, windows, history.ops(), db, start, end, verdicts);
                report.print(out);
                return report;
            }
        }
    }

    /**
     * {@code --recheck DIR}: checks a finished run again from what it left in its directory (the
     * history, the faults, and PostgreSQL's data), with this build's checker.
     */
    public static Report recheck(Path dir, PrintStream out) throws Exception {
        RunRecord run = RunRecord.read(dir);
        List<Op> ops = History.read(dir.resolve("history.jsonl"));
        EmbeddedPostgresServer pg = EmbeddedPostgresServer.openOnPort(dir.resolve("postgres"),
                Cluster.postgresBinaries(), Ports.pick(), 20);
        DbState db;
        try {
            db = DbState.read(pg.jdbcUrl());
        } finally {
            pg.close();
        }
        List<Verdict> verdicts = new ArrayList<>(new Checker(ops, db, run.windows(), TICK_EVERY_MS).run());
        verdicts.addAll(run.processVerdicts());
        Report report = new Report(run.options(), run.windows(), ops, db, run.startMs(), run.endMs(), verdicts);
        report.print(out);
        return report;
    }

    private static void putSchedule(Client admin) {
        var body = Client.data().put("cron", "*/5 * * * * *").put("catchUp", "all");
        body.putObject("job").put("queue", Producer.QUEUE).put("type", "baton.echo").putObject("payload")
                .put("tick", true);
        for (int i = 0; i < 20; i++) {
            Client.Result r = admin.send("PUT", "/api/v1/schedules/" + SCHEDULE, body);
            admin.record("schedule_put", null, r, Client.data());
            if (r.ok()) {
                return;
            }
            sleep(500);
        }
        throw new IllegalStateException("could not create the schedule");
    }

    /**
     * Deletes the schedule, then lets a polite adversary and the workers take every due job. A
     * stuck queue is a finding; a backlog the run's load left behind is not (two runs and three
     * builds on two cores leave thousands): the drain goes on while the backlog shrinks, and fails
     * when it has not shrunk for DRAIN_STALL_MS or is not done after DRAIN_MAX_MS.
     */
    private static Verdict drain(Cluster cluster, History history, Random seeds, Client admin, PrintStream out)
            throws Exception {
        for (int i = 0; i < 20; i++) {
            Client.Result r = admin.send("DELETE", "/api/v1/schedules/" + SCHEDULE, null);
            admin.record("schedule_delete", null, r, Client.data());
            if (r.ok() || r.status() == 404) {
                break;
            }
            sleep(500);
        }
        long started = System.currentTimeMillis();
        long deadline = started + DRAIN_MAX_MS;
        Client c = new Client("drainer", cluster.coordinatorUrls(), cluster.workerToken(), history);
        Thread drainer = start("drainer", new Adversary(c, seeds.nextLong(), deadline, true));
        long left = -1;
        long fewest = Long.MAX_VALUE;
        long shrankAt = started;
        try (var conn = java.sql.DriverManager.getConnection(cluster.jdbcUrl(), "postgres", "")) {
            while (left != 0 && System.currentTimeMillis() < deadline
                    && System.currentTimeMillis() - shrankAt < DRAIN_STALL_MS) {
                sleep(500);
                try (var rs = conn.createStatement().executeQuery("""
                        select count(*) from jobs where status = 'running'
                            or (status = 'queued' and run_at < now() + interval '1 second')""")) {
                    rs.next();
                    left = rs.getLong(1);
                }
                if (left < fewest) {
                    fewest = left;
                    shrankAt = System.currentTimeMillis();
                }
            }
        }
        drainer.interrupt();
        drainer.join();
        long tookMs = System.currentTimeMillis() - started;
        out.printf("drained in %.1f s%s%n", tookMs / 1000.0, left == 0 ? "" : " (not done: " + left + " left)");
        String why = System.currentTimeMillis() - shrankAt >= DRAIN_STALL_MS ? "no fewer for "
                + DRAIN_STALL_MS / 1000 + " s" : "after " + DRAIN_MAX_MS / 1000 + " s";
        return new Verdict("drained, the backlog shrinking all along", 1, left == 0 ? 0 : 1,
                left == 0 ? List.of() : List.of(left + " jobs still running or due, " + why));
    }

    private static Verdict processes(Cluster cluster) {
        List<String> exits = cluster.unexpectedExits();
        return new Verdict("no process died unless killed", cluster.coordinators() + cluster.workers(), exits.size(),
                exits.stream().limit(5).toList());
    }

    /** A fault that could not be applied or healed tested nothing, or left the cluster broken. */
    private static Verdict faultsApplied(List<FaultWindow> applied) {
        List<String> errors = applied.stream().filter(w -> w.error() != null || w.healedAtMs() < 0)
                .map(w -> w.fault() + ": " + (w.error() == null ? "never healed" : w.error())).toList();
        return new Verdict("every fault applied and healed", applied.size(), errors.size(),
                errors.stream().limit(5).toList());
    }

    private static Window window(FaultWindow w) {
        FaultKind kind = w.fault().kind();
        return new Window(kind.flag(), kind.scope() == FaultKind.Scope.COORDINATOR ? w.fault().target() : -1,
                w.startedAtMs(), w.healedAtMs() < 0 ? Long.MAX_VALUE / 2 : w.healedAtMs());
    }

    /** The run's directory, emptied when an earlier run made it (it holds a marker), refused when it holds anything else. */
    static void freshDirectory(Path dir) throws IOException {
        Path marker = dir.resolve(".baton-chaos");
        if (Files.exists(marker)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        } else if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(dir + " is not empty and not a chaos run's directory");
                }
            }
        }
        Files.createDirectories(dir);
        Files.createFile(marker);
    }

    private static Thread start(String name, Runnable r) {
        return Thread.ofPlatform().name(name).start(r);
    }

    private static Path jar(Path root, String path) {
        Path jar = root.resolve(path);
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build first (./mvnw -B -q -DskipTests package)");
        }
        return jar;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
