package dev.baton.chaos.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link FaultPlan} to a {@link Cluster}: each fault at its time after the run's start,
 * and its heal at its end (a kill is healed by a start, which does not wait for the process to be
 * healthy; a pause by SIGCONT; a link fault by restoring the proxy; PostgreSQL down by starting
 * it). One thread does it all in order, sleeping until each step's time on the wall clock, so a
 * slow step delays the next but never shifts the rest of the plan. What happened, when, is in
 * {@link #windows}.
 */
public final class FaultInjector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FaultInjector.class);

    private record Step(long atMs, boolean heal, int fault) {
    }

    private final Cluster cluster;
    private final FaultPlan plan;
    private final long runStartEpochMs;
    private final List<Step> steps = new ArrayList<>();
    private final long[] started;
    private final long[] healed;
    private final String[] errors;
    private Thread thread;
    private volatile boolean stopping;

    public FaultInjector(Cluster cluster, FaultPlan plan, long runStartEpochMs) {
        this.cluster = cluster;
        this.plan = plan;
        this.runStartEpochMs = runStartEpochMs;
        List<Fault> faults = plan.faults();
        started = new long[faults.size()];
        healed = new long[faults.size()];
        errors = new String[faults.size()];
        for (int i = 0; i < faults.size(); i++) {
            Fault f = faults.get(i);
            steps.add(new Step(f.atMs(), false, i));
            if (!f.kind().instant()) {
                steps.add(new Step(f.endMs(), true, i));
            }
        }
        // At one instant, heals first: what ends makes room for what starts.
        steps.sort(Comparator.comparingLong(Step::atMs).thenComparing(s -> !s.heal()));
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("started already");
        }
        thread = Thread.ofPlatform().name("fault-injector").daemon().start(this::run);
    }

    private void run() {
        for (Step step : steps) {
            long due = runStartEpochMs + step.atMs();
            synchronized (this) {
                try {
                    // wait(), not sleep(): stopAndHeal wakes it, and never interrupts a step half done
                    for (long wait; !stopping && (wait = due - System.currentTimeMillis()) > 0; ) {
                        wait(wait);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (stopping) {
                    return;
                }
                perform(step.fault(), step.heal());
            }
        }
    }

    /** Applies or heals fault {@code i}, recording when and any failure. */
    private void perform(int i, boolean heal) {
        Fault f = plan.faults().get(i);
        long now = System.currentTimeMillis();
        if (heal) {
            if (started[i] == 0 || healed[i] != 0) {
                return;
            }
        } else {
            started[i] = now;
        }
        try {
            LOG.info("{} {}", heal ? "heal " : "fault", f);
            if (heal) {
                heal(f);
            } else {
                apply(f);
            }
        } catch (Exception e) {
            String error = (heal ? "heal: " : "apply: ") + e;
            errors[i] = errors[i] == null ? error : errors[i] + "; " + error;
            LOG.warn("{} {} failed: {}", heal ? "healing" : "applying", f, e.toString());
        }
        if (heal || f.kind().instant()) {
            healed[i] = System.currentTimeMillis();
        }
    }

    private void apply(Fault f) throws Exception {
        int t = f.target();
        switch (f.kind()) {
            case KILL_COORDINATOR -> cluster.killCoordinator(t);
            case PAUSE_COORDINATOR -> cluster.pauseCoordinator(t);
            case KILL_WORKER -> cluster.killWorker(t);
            case PAUSE_WORKER -> cluster.pauseWorker(t);
            case RESTART_POSTGRES -> cluster.stopPostgresImmediately();
            case CUT_POSTGRES -> cluster.proxy(Link.POSTGRES, t).cut();
            case BLACKHOLE_POSTGRES -> cluster.proxy(Link.POSTGRES, t).blackhole();
            case SLOW_POSTGRES -> cluster.proxy(Link.POSTGRES, t).slow(FaultPlan.SLOW_MS);
            case CUT_REDIS -> cluster.proxy(Link.REDIS, t).cut();
            case BLACKHOLE_REDIS -> cluster.proxy(Link.REDIS, t).blackhole();
            case SLOW_REDIS -> cluster.proxy(Link.REDIS, t).slow(FaultPlan.SLOW_MS);
            case FLUSH_REDIS -> cluster.flushRedis();
            case CUT_CLIENT -> cluster.proxy(Link.CLIENT, t).cut();
            case BLACKHOLE_CLIENT -> cluster.proxy(Link.CLIENT, t).blackhole();
            case RESET_CLIENT -> cluster.proxy(Link.CLIENT, t).resetOnce();
            case BOTH_COORDINATORS_DOWN -> {
                for (int c = 0; c < cluster.coordinators(); c++) {
                    cluster.killCoordinator(c);
                }
            }
            case POSTGRES_CUT_DURING_KILL -> {
                for (int c = 0; c < cluster.coordinators(); c++) {
                    cluster.proxy(Link.POSTGRES, c).cut();
                }
                cluster.killCoordinator(t);
            }
        }
    }

    private void heal(Fault f) throws Exception {
        int t = f.target();
        switch (f.kind()) {
            case KILL_COORDINATOR -> cluster.startCoordinator(t);
            case PAUSE_COORDINATOR -> cluster.resumeCoordinator(t);
            case KILL_WORKER -> cluster.startWorker(t);
            case PAUSE_WORKER -> cluster.resumeWorker(t);
            case RESTART_POSTGRES -> cluster.startPostgres();
            case CUT_POSTGRES, BLACKHOLE_POSTGRES, SLOW_POSTGRES -> cluster.proxy(Link.POSTGRES, t).restore();
            case CUT_REDIS, BLACKHOLE_REDIS, SLOW_REDIS -> cluster.proxy(Link.REDIS, t).restore();
            case CUT_CLIENT, BLACKHOLE_CLIENT -> cluster.proxy(Link.CLIENT, t).restore();
            case FLUSH_REDIS, RESET_CLIENT -> {
                // instant
            }
            case BOTH_COORDINATORS_DOWN -> {
                for (int c = 0; c < cluster.coordinators(); c++) {
                    cluster.startCoordinator(c);
                }
            }
            case POSTGRES_CUT_DURING_KILL -> {
                for (int c = 0; c < cluster.coordinators(); c++) {
                    cluster.proxy(Link.POSTGRES, c).restore();
                }
                cluster.startCoordinator(t);
            }
        }
    }

    /** The faults applied so far, in the plan's order; {@code healedAtMs} -1 for one still on. */
    public synchronized List<FaultWindow> windows() {
        List<FaultWindow> out = new ArrayList<>();
        for (int i = 0; i < started.length; i++) {
            if (started[i] != 0) {
                out.add(new FaultWindow(plan.faults().get(i), started[i], healed[i] == 0 ? -1 : healed[i], errors[i]));
            }
        }
        return out;
    }

    /**
     * Stops applying the plan, heals every fault still on (recording when), then
     * {@link Cluster#healAll} (which waits until every coordinator is healthy).
     */
    public void stopAndHeal() throws Exception {
        Thread t;
        synchronized (this) {
            stopping = true;
            notifyAll();
            t = thread;
        }
        if (t != null) {
            t.join(60_000);
        }
        synchronized (this) {
            for (int i = 0; i < started.length; i++) {
                if (started[i] != 0 && healed[i] == 0) {
                    perform(i, true);
                }
            }
        }
        cluster.healAll();
    }

    @Override
    public void close() throws Exception {
        stopAndHeal();
    }
}
