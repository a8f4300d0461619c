package dev.baton.coordinator.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.jobrunr.scheduling.cron.CronExpression;
import org.jobrunr.scheduling.cron.InvalidCronExpressionException;

/**
 * A schedule's timing: a cron with seconds, read in an IANA zone, parsed by JobRunr's cron
 * parser. Fire times are whole seconds.
 */
public record Cron(CronExpression expression, ZoneId zone) {
    /** The shortest gap between ticks a schedule may have: a schedule is for periodic work, not a loop. */
    static final Duration SHORTEST_GAP = Duration.ofSeconds(5);

    /** Parses a stored or requested cron; the message of the IllegalArgumentException says what is wrong. */
    public static Cron parse(String cron, ZoneId zone) {
        String[] fields = cron.trim().split("\\s+");
        if (fields.length != 6) {
            throw new IllegalArgumentException(
                    "must have 6 fields: second minute hour day-of-month month day-of-week, e.g. 0 */5 * * * *");
        }
        CronExpression parsed;
        try {
            parsed = CronExpression.create(String.join(" ", fields));
        } catch (InvalidCronExpressionException | IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() == null ? "is not a valid cron expression" : e.getMessage());
        }
        return new Cron(parsed, zone);
    }

    /** The expression with single spaces, as stored. */
    public String text() {
        return expression.getExpression();
    }

    /** The first fire time strictly after {@code t}. */
    public Instant next(Instant t) {
        return expression.next(t, t, zone);
    }

    public boolean firesAt(Instant t) {
        return t.getNano() == 0 && next(t.minusSeconds(1)).equals(t);
    }

    /**
     * The latest fire time in {@code (after, at]}, or null when there is none. A binary search on
     * {@link #next}, so it costs ~40 steps however many fire times lie in between.
     */
    public Instant lastAtOrBefore(Instant after, Instant at) {
        if (next(after).isAfter(at)) {
            return null;
        }
        // Invariant: next(lo) <= at < next(hi). Fire times are whole seconds apart, so once lo and
        // hi are within a second, next(lo) is the last fire time not after at.
        long lo = after.toEpochMilli();
        long hi = at.toEpochMilli();
        while (hi - lo > 1000) {
            long mid = lo + (hi - lo) / 2;
            if (next(Instant.ofEpochMilli(mid)).isAfter(at)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return next(Instant.ofEpochMilli(lo));
    }

    /** The shortest gap between the next {@code count} fire times after {@code from}. */
    public Duration shortestGap(Instant from, int count) {
        Duration shortest = null;
        Instant previous = next(from);
        for (int i = 0; i < count; i++) {
            Instant t = next(previous);
            Duration gap = Duration.between(previous, t);
            shortest = shortest == null || gap.compareTo(shortest) < 0 ? gap : shortest;
            previous = t;
        }
        return shortest;
    }
}
