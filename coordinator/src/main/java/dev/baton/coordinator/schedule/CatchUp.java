package dev.baton.coordinator.schedule;

import java.util.Arrays;

/**
 * What a schedule does with ticks that fell while no coordinator could enqueue them (found more
 * than {@link ScheduleTicker#MISSED_AFTER} overdue). Ticks found sooner are always enqueued.
 */
public enum CatchUp {
    /** Every missed tick, each as itself; the newest {@link ScheduleTicker#MOST_MISSED_TICKS} at most. */
    ALL,
    /** Only the newest missed tick. */
    LATEST,
    /** None: the schedule goes on from its next tick. */
    NONE;

    public static final CatchUp DEFAULT = ALL;

    public String wire() {
        return name().toLowerCase();
    }

    /** Null for anything but all, latest or none. */
    public static CatchUp parse(String wire) {
        return Arrays.stream(values()).filter(v -> v.wire().equals(wire)).findFirst().orElse(null);
    }
}
