package dev.baton.coordinator.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which ticks of a schedule one pass enqueues: every fire time after {@code dueAfter} up to
 * {@code now + lookahead}, except missed ones (at or before {@code now - missedAfter}), which
 * {@link CatchUp} decides. {@code dueAfter} is where the schedule stands afterwards: the newest
 * fire time considered, enqueued or skipped; {@code skippedThrough} is the newest skipped one.
 */
record TickPlan(List<Instant> ticks, Instant dueAfter, Instant skippedThrough) {

    static TickPlan of(Cron cron, Instant dueAfter, Instant now, Duration lookahead, Duration missedAfter,
                       CatchUp catchUp, int mostMissed) {
        Instant missedBefore = now.minus(missedAfter);
        Instant newestMissed = cron.lastAtOrBefore(dueAfter, missedBefore);
        List<Instant> ticks = new ArrayList<>();
        Instant skippedThrough = null;
        if (newestMissed != null) {
            List<Instant> kept = switch (catchUp) {
                case ALL -> newestFireTimes(cron, dueAfter, newestMissed, mostMissed);
                case LATEST -> List.of(newestMissed);
                case NONE -> List.of();
            };
            Instant oldestKept = kept.isEmpty() ? null : kept.get(0);
            if (oldestKept == null) {
                skippedThrough = newestMissed;
            } else if (!cron.next(dueAfter).equals(oldestKept)) {
                skippedThrough = cron.lastAtOrBefore(dueAfter, oldestKept.minusMillis(1));
            }
            ticks.addAll(kept);
        }
        Instant upTo = now.plus(lookahead);
        Instant from = newestMissed == null ? dueAfter : newestMissed;
        for (Instant t = cron.next(from); !t.isAfter(upTo) && ticks.size() <= mostMissed; t = cron.next(t)) {
            ticks.add(t);
        }
        Instant standsAt = ticks.isEmpty() ? (skippedThrough == null ? dueAfter : skippedThrough) : ticks.get(ticks.size() - 1);
        return new TickPlan(ticks, standsAt, skippedThrough);
    }

    /**
     * The newest {@code most} fire times in {@code (after, newest]}, oldest first. Forward from
     * {@code after} when there are few; otherwise backward from {@code newest}, so an outage of
     * years costs {@code most} steps, not one per missed tick.
     */
    private static List<Instant> newestFireTimes(Cron cron, Instant after, Instant newest, int most) {
        List<Instant> forward = new ArrayList<>();
        for (Instant t = cron.next(after); !t.isAfter(newest); t = cron.next(t)) {
            if (forward.size() == most) {
                forward = null;
                break;
            }
            forward.add(t);
        }
        if (forward != null) {
            return forward;
        }
        List<Instant> backward = new ArrayList<>(most);
        for (Instant t = newest; t != null && backward.size() < most; t = cron.lastAtOrBefore(after, t.minusMillis(1))) {
            backward.add(t);
        }
        Collections.reverse(backward);
        return backward;
    }
}
