package dev.baton.coordinator.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * What one logger (and those under it) logs while this is open, from every thread: a test's view
 * of the lines an operator would read. Closing detaches it and gives the logger its level back.
 */
public final class CapturedLogs implements AutoCloseable {
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final Logger logger;
    private final Level levelBefore;
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            events.add(event);
        }
    };

    private CapturedLogs(String name, Level level) {
        logger = (Logger) LoggerFactory.getLogger(name);
        levelBefore = logger.getLevel();
        if (level != null) {
            logger.setLevel(level);
        }
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    /** What {@code type}'s logger logs at its configured level. */
    public static CapturedLogs of(Class<?> type) {
        return new CapturedLogs(type.getName(), null);
    }

    /** What the logger {@code name} logs, at {@code level} and above meanwhile. */
    public static CapturedLogs of(String name, Level level) {
        return new CapturedLogs(name, level);
    }

    public List<ILoggingEvent> events() {
        return List.copyOf(events);
    }

    /** The formatted messages logged at exactly {@code level}. */
    public List<String> lines(Level level) {
        return events.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
        logger.setLevel(levelBefore);
    }
}
