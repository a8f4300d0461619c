package dev.baton.coordinator.db;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A queue's {@code ratePerSecond} as a rule on its start times, in exact decimal arithmetic: a
 * token bucket (the GCRA form) holding {@link #burst()} = max(1, floor(rate)) starts and refilled
 * at {@code rate} per second. Its whole state is one time, {@code pacedUntil}: the starts made so
 * far, spaced {@code 1/rate} seconds apart, are paid for up to then (null: nothing owed).
 * <ul>
 *   <li>at time t the queue may start floor(burst - max(0, pacedUntil - t) * rate) jobs;</li>
 *   <li>c starts at t move pacedUntil to max(pacedUntil, t) + c / rate, rounded up to the
 *       microsecond (the database's precision), so rounding only ever slows the queue.</li>
 * </ul>
 * So every rate above zero starts a job at least every {@code 1/rate} seconds while jobs wait;
 * within any span of L seconds at most burst + floor(L * rate) jobs start; and over a long run
 * never more than {@code rate} per second. Asked at an earlier time than the starts are stamped
 * with, it answers no more: the room only grows as time passes.
 */
public record StartRate(BigDecimal perSecond) {
    private static final BigDecimal MICROS_PER_SECOND = BigDecimal.valueOf(1_000_000);

    public StartRate {
        if (perSecond.signum() <= 0) {
            throw new IllegalArgumentException("a rate must be above zero: " + perSecond);
        }
    }

    /** The rate as written: BigDecimal.valueOf takes 0.167 as 0.167, not as the double's binary expansion. */
    public static StartRate of(double perSecond) {
        return new StartRate(BigDecimal.valueOf(perSecond));
    }

    /** How many jobs may start at once after a pause: max(1, floor(rate)). */
    public long burst() {
        return Math.max(1, perSecond.setScale(0, RoundingMode.FLOOR).longValueExact());
    }

    /** How many jobs may start at {@code nowMicros}, given the queue's {@code pacedUntilMicros} (null: none owed). */
    public long room(Long pacedUntilMicros, long nowMicros) {
        long owedMicros = pacedUntilMicros == null ? 0 : Math.max(0, pacedUntilMicros - nowMicros);
        BigDecimal owedStarts = BigDecimal.valueOf(owedMicros).multiply(perSecond).divide(MICROS_PER_SECOND);
        return Math.max(0, BigDecimal.valueOf(burst()).subtract(owedStarts).setScale(0, RoundingMode.FLOOR).longValue());
    }

    /** The queue's pacedUntil after {@code started} jobs started at {@code startedAtMicros}. */
    public long pacedUntilAfter(Long pacedUntilMicros, long startedAtMicros, long started) {
        long from = pacedUntilMicros == null ? startedAtMicros : Math.max(pacedUntilMicros, startedAtMicros);
        BigDecimal paid = BigDecimal.valueOf(started).multiply(MICROS_PER_SECOND).divide(perSecond, 0, RoundingMode.CEILING);
        return from + paid.longValueExact();
    }
}
