package dev.baton.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.LogLevel;

/** What a handler sees of its job, and how it reports progress and logs. */
public interface JobContext {
    String jobId();

    String type();

    int attempt();

    JsonNode payload();

    <T> T payload(Class<T> type);

    /** Records progress; only the newest value is sent (coalesced), with compare-and-swap. */
    void progress(long current, Long total, String message);

    /** Buffers a log line; lines are numbered per lease and flushed every 200 ms or 100 lines. */
    void log(LogLevel level, String message);

    default void info(String message) {
        log(LogLevel.INFO, message);
    }

    default void warn(String message) {
        log(LogLevel.WARN, message);
    }

    default void error(String message) {
        log(LogLevel.ERROR, message);
    }

    /** Throws {@link LeaseLostException} once the lease is lost or the job cancelled; call it in long loops. */
    void checkpoint();
}
