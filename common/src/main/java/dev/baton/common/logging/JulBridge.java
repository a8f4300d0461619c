package dev.baton.common.logging;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what is logged through java.util.logging to SLF4J, so that every line a Baton program
 * writes goes through logback: to stdout, in the BATON_LOG_FORMAT, one line each. Without it
 * OpenTelemetry's SDK (whose exporter says so when a collector cannot be reached) writes JUL's
 * own two-line records and stack traces to stderr, which no JSON log pipeline reads as one event.
 * Levels: SEVERE is ERROR, WARNING WARN, INFO and CONFIG INFO, FINE DEBUG, below that TRACE; JUL's
 * own level (INFO unless configured) still decides what is made at all.
 */
public final class JulBridge extends Handler {
    private static final SimpleFormatter MESSAGES = new SimpleFormatter();

    /** Replaces the JUL root logger's handlers (a console handler on stderr) with this bridge; once per process. */
    public static void install() {
        java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new JulBridge());
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null) {
            return;
        }
        Logger logger = LoggerFactory.getLogger(record.getLoggerName() == null ? "java.util.logging"
                : record.getLoggerName());
        org.slf4j.event.Level level = level(record.getLevel());
        if (!logger.isEnabledForLevel(level)) {
            return;
        }
        logger.atLevel(level).setCause(record.getThrown()).log(MESSAGES.formatMessage(record));
    }

    static org.slf4j.event.Level level(Level level) {
        int v = level.intValue();
        return v >= Level.SEVERE.intValue() ? org.slf4j.event.Level.ERROR
                : v >= Level.WARNING.intValue() ? org.slf4j.event.Level.WARN
                : v >= Level.CONFIG.intValue() ? org.slf4j.event.Level.INFO
                : v >= Level.FINE.intValue() ? org.slf4j.event.Level.DEBUG : org.slf4j.event.Level.TRACE;
    }

    @Override
    public void flush() {
        // nothing buffered here
    }

    @Override
    public void close() {
        // nothing to release
    }
}
