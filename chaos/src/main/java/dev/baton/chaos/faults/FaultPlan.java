package dev.baton.chaos.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The faults of one run, drawn from a seed: the same seed and arguments give the same list. Faults
 * come every {@code meanGapMs} on average (exponential gaps), last 1 to 8 s, and about one in five
 * is joined by a second that starts before the first heals, on something else (a coordinator
 * killed while the other is paused; a link cut while PostgreSQL is down). A fault that takes a
 * coordinator out lasts at most 6 s, so all of them are never out for much more (plus the time a
 * killed one takes to start). The last tenth of the run is fault-free, so that it ends healed.
 */
public final class FaultPlan {
    /** The latency of the SLOW_* kinds. */
    public static final long SLOW_MS = 300;
    static final double OVERLAP_PROBABILITY = 0.3;
    static final double FAULT_FREE_TAIL = 0.1;

    private final String header;
    private final List<Fault> faults;

    private FaultPlan(String header, List<Fault> faults) {
        this.header = header;
        this.faults = faults.stream().sorted(Comparator.comparingLong(Fault::atMs)).toList();
    }

    /** A plan of given faults, for tests and hand-written scenarios. */
    public static FaultPlan of(List<Fault> faults) {
        return new FaultPlan("hand-written plan", faults);
    }

    public static FaultPlan generate(long seed, long runMs, Set<FaultKind> mix, int coordinators, int workers,
                                     long meanGapMs) {
        Random random = new Random(seed);
        List<FaultKind> kinds = mix.stream()
                .filter(k -> k.scope() != FaultKind.Scope.WORKER || workers > 0)
                .sorted()
                .toList();
        List<Fault> faults = new ArrayList<>();
        long lastMs = (long) (runMs * (1 - FAULT_FREE_TAIL));
        long t = gap(random, meanGapMs);
        // The first fault of each round is dealt from a shuffled deck of every kind, so that a run
        // sees every kind in its mix before any kind twice; overlapping ones are drawn at random.
        List<FaultKind> deck = new ArrayList<>();
        while (!kinds.isEmpty()) {
            if (deck.isEmpty()) {
                deck.addAll(kinds);
                Collections.shuffle(deck, random);
            }
            Fault first = deal(random, deck.removeLast(), t, coordinators, workers);
            if (first.endMs() > lastMs) {
                break;
            }
            faults.add(first);
            long end = first.endMs();
            if (!first.kind().instant() && random.nextDouble() < OVERLAP_PROBABILITY) {
                long at = first.atMs() + (long) (first.durationMs() * (0.2 + 0.6 * random.nextDouble()));
                for (int attempt = 0; attempt < 10; attempt++) {
                    Fault second = draw(random, kinds, at, coordinators, workers);
                    Set<String> shared = new HashSet<>(resources(first, coordinators));
                    shared.retainAll(resources(second, coordinators));
                    if (shared.isEmpty() && second.endMs() <= lastMs) {
                        faults.add(second);
                        end = Math.max(end, second.endMs());
                        break;
                    }
                }
            }
            t = end + gap(random, meanGapMs);
        }
        String header = String.format("fault plan: seed %d, %d ms, %d coordinators, %d workers, mean gap %d ms, "
                + "mix %s: %d faults", seed, runMs, coordinators, workers, meanGapMs,
                kinds.stream().map(FaultKind::flag).toList(), faults.size());
        return new FaultPlan(header, faults);
    }

    private static long gap(Random random, long meanGapMs) {
        double exponential = -Math.log(1 - random.nextDouble()) * meanGapMs;
        return Math.clamp((long) exponential, 300, 4 * Math.max(meanGapMs, 300));
    }

    private static Fault draw(Random random, List<FaultKind> kinds, long at, int coordinators, int workers) {
        return deal(random, kinds.get(random.nextInt(kinds.size())), at, coordinators, workers);
    }

    private static Fault deal(Random random, FaultKind kind, long at, int coordinators, int workers) {
        int target = switch (kind.scope()) {
            case COORDINATOR -> random.nextInt(coordinators);
            case WORKER -> random.nextInt(workers);
            case CLUSTER -> -1;
        };
        long duration;
        if (kind.instant()) {
            duration = 0;
        } else if (kind == FaultKind.BOTH_COORDINATORS_DOWN || kind == FaultKind.POSTGRES_CUT_DURING_KILL) {
            duration = 1000 + random.nextInt(4000);
        } else if (kind.downsCoordinator() || kind == FaultKind.RESTART_POSTGRES) {
            duration = 1000 + random.nextInt(5000);
        } else {
            duration = 1000 + random.nextInt(7000);
        }
        return new Fault(kind, target, at, duration);
    }

    /** What a fault holds while it is on; two faults at once must hold nothing in common. */
    static Set<String> resources(Fault f, int coordinators) {
        Set<String> r = new HashSet<>();
        int i = f.target();
        switch (f.kind()) {
            case KILL_COORDINATOR, PAUSE_COORDINATOR -> r.add("coordinator-" + i);
            case KILL_WORKER, PAUSE_WORKER -> r.add("worker-" + i);
            case RESTART_POSTGRES -> r.add("postgres");
            case CUT_POSTGRES, BLACKHOLE_POSTGRES, SLOW_POSTGRES -> r.add("postgres-link-" + i);
            case CUT_REDIS, BLACKHOLE_REDIS, SLOW_REDIS -> r.add("redis-link-" + i);
            case FLUSH_REDIS -> r.add("redis");
            case CUT_CLIENT, BLACKHOLE_CLIENT, RESET_CLIENT -> r.add("client-link-" + i);
            case BOTH_COORDINATORS_DOWN -> {
                for (int c = 0; c < coordinators; c++) {
                    r.add("coordinator-" + c);
                }
            }
            case POSTGRES_CUT_DURING_KILL -> {
                r.add("coordinator-" + i);
                for (int c = 0; c < coordinators; c++) {
                    r.add("postgres-link-" + c);
                }
            }
        }
        return r;
    }

    /** In order of their start. */
    public List<Fault> faults() {
        return faults;
    }

    /** A header and one line per fault, for the run's report; a fault that starts before the previous heals is marked. */
    public String describe() {
        StringBuilder out = new StringBuilder(header).append('\n');
        long healedBy = 0;
        for (Fault f : faults) {
            out.append(f.atMs() < healedBy ? "  + " : "    ").append(f).append('\n');
            healedBy = Math.max(healedBy, f.endMs());
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
