package dev.baton.coordinator.service;

import dev.baton.common.Responses.LogEntry;

/**
 * A position in a job's log: just after line (attempt, seq). On the wire it is an opaque cursor
 * (the page's {@code nextCursor}, the stream's event id), made and checked by {@link Ids}.
 */
public record LogCursor(int attempt, int seq) {
    public static final LogCursor START = new LogCursor(0, 0);
    private static final String KIND = "l";

    public static LogCursor after(LogEntry entry) {
        return new LogCursor(entry.attempt(), entry.seq());
    }

    /** {@code text} null means the start; anything this class did not make is a 400 naming {@code field}. */
    public static LogCursor parse(String text, String field) {
        if (text == null) {
            return START;
        }
        long packed = Ids.parseCursor(KIND, text, field);
        return new LogCursor((int) (packed >>> 32), (int) packed);
    }

    public String wire() {
        return Ids.cursor(KIND, ((long) attempt << 32) | (seq & 0xffffffffL));
    }
}
