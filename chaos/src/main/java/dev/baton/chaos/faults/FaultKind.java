package dev.baton.chaos.faults;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a {@link Fault} does, and what healing it means. {@code target} is a coordinator's index
 * for the coordinator and link kinds, a worker's for the worker kinds, and -1 for the kinds that
 * hit the whole cluster. Instant kinds (a flush, a reset) have no duration.
 */
public enum FaultKind {
    /** kill -9 of coordinator {@code target}; healed by starting it again. */
    KILL_COORDINATOR(Scope.COORDINATOR, false),
    /** SIGSTOP of coordinator {@code target}; healed by SIGCONT. */
    PAUSE_COORDINATOR(Scope.COORDINATOR, false),
    KILL_WORKER(Scope.WORKER, false),
    PAUSE_WORKER(Scope.WORKER, false),
    /** PostgreSQL stopped immediately (a crash); healed by starting it (crash recovery). */
    RESTART_POSTGRES(Scope.CLUSTER, false),
    /** Coordinator {@code target}'s link to PostgreSQL reset and refused. */
    CUT_POSTGRES(Scope.COORDINATOR, false),
    /** Coordinator {@code target}'s link to PostgreSQL silently dropping everything. */
    BLACKHOLE_POSTGRES(Scope.COORDINATOR, false),
    /** Coordinator {@code target}'s link to PostgreSQL with {@link FaultPlan#SLOW_MS} of latency. */
    SLOW_POSTGRES(Scope.COORDINATOR, false),
    CUT_REDIS(Scope.COORDINATOR, false),
    BLACKHOLE_REDIS(Scope.COORDINATOR, false),
    SLOW_REDIS(Scope.COORDINATOR, false),
    /** FLUSHALL: every Redis key gone at once. */
    FLUSH_REDIS(Scope.CLUSTER, true),
    /** Clients' and workers' link to coordinator {@code target} reset and refused. */
    CUT_CLIENT(Scope.COORDINATOR, false),
    /** Clients' and workers' link to coordinator {@code target} silently dropping everything. */
    BLACKHOLE_CLIENT(Scope.COORDINATOR, false),
    /** Every connection to coordinator {@code target} reset once, mid-request. */
    RESET_CLIENT(Scope.COORDINATOR, true),
    /** Every coordinator killed; healed by starting them all. */
    BOTH_COORDINATORS_DOWN(Scope.CLUSTER, false),
    /** Coordinator {@code target} killed while every coordinator's link to PostgreSQL is cut. */
    POSTGRES_CUT_DURING_KILL(Scope.COORDINATOR, false);

    /** Whom {@code target} names. */
    public enum Scope { COORDINATOR, WORKER, CLUSTER }

    private final Scope scope;
    private final boolean instant;

    FaultKind(Scope scope, boolean instant) {
        this.scope = scope;
        this.instant = instant;
    }

    public Scope scope() {
        return scope;
    }

    public boolean instant() {
        return instant;
    }

    /** Whether it takes a coordinator out (so two of these at once may take them all out). */
    public boolean downsCoordinator() {
        return this == KILL_COORDINATOR || this == PAUSE_COORDINATOR || this == BOTH_COORDINATORS_DOWN
                || this == POSTGRES_CUT_DURING_KILL;
    }

    /** {@code kill-coordinator}. */
    public String flag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** {@code "kill-coordinator,pause-worker"} (or the enum names), or {@code "all"}. */
    public static Set<FaultKind> parse(String list) {
        EnumSet<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (String item : list.split(",")) {
            String name = item.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (name.equalsIgnoreCase("all")) {
                kinds.addAll(EnumSet.allOf(FaultKind.class));
                continue;
            }
            try {
                kinds.add(valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_')));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown fault '" + name + "'; known: all, "
                        + String.join(", ", EnumSet.allOf(FaultKind.class).stream().map(FaultKind::flag).toList()));
            }
        }
        return kinds;
    }
}
