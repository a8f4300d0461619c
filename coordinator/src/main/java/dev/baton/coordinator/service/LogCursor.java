package dev.baton.coordinator.service;

import dev.baton.coordinator.db.ProgressLogRepository.StoredLine;

/**
 * A position in a job's log: just after the line stored at {@code position} (see
 * ProgressLogRepository.APPEND_IF_LEASE_HELD for why lines are followed by position, not by
 * (attempt, seq)). On the wire it is an opaque cursor (the page's {@code nextCursor}, the stream's
 * event id), made and checked by {@link Ids}; its kind changed with the position, so a cursor
 * from before is a 400 rather than a silent jump.
 */
public record LogCursor(long position) {
    public static final LogCursor START = new LogCursor(0);
    private static final String KIND = "lp";

    public static LogCursor after(StoredLine line) {
        return new LogCursor(line.position());
    }

    /** {@code text} null means the start; anything this class did not make is a 400 naming {@code field}. */
    public static LogCursor parse(String text, String field) {
        return text == null ? START : new LogCursor(Ids.parseCursor(KIND, text, field));
    }

    /**
     * Where a log stream starts: after the line whose id a reconnecting EventSource sends
     * ({@code Last-Event-ID}), else after {@code after} (null: the start).
     */
    public static LogCursor resume(String lastEventId, String after) {
        return lastEventId != null && !lastEventId.isEmpty() ? parse(lastEventId, "Last-Event-ID") : parse(after, "after");
    }

    public String wire() {
        return Ids.cursor(KIND, position);
    }
}
