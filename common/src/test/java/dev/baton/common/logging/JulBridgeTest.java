package dev.baton.common.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class JulBridgeTest {
    @Test
    void julRecordsBecomeLogbackEventsWithTheirLevelMessageAndException() {
        java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
        List<Handler> before = List.of(root.getHandlers());
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger target = logback.getLogger("io.example.Exporter");
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.setContext(logback);
        seen.start();
        target.addAppender(seen);
        try {
            JulBridge.install();
            assertEquals(1, root.getHandlers().length);
            java.util.logging.Logger jul = java.util.logging.Logger.getLogger("io.example.Exporter");
            jul.log(Level.SEVERE, "Failed to export {0} spans.", new Object[] {3});
            jul.log(Level.WARNING, "collector gone", new java.net.ConnectException("refused"));
            jul.fine("not made: JUL's level is INFO");
            assertEquals(2, seen.list.size());
            assertEquals(ch.qos.logback.classic.Level.ERROR, seen.list.get(0).getLevel());
            assertEquals("Failed to export 3 spans.", seen.list.get(0).getFormattedMessage());
            assertEquals(ch.qos.logback.classic.Level.WARN, seen.list.get(1).getLevel());
            assertEquals("java.net.ConnectException", seen.list.get(1).getThrowableProxy().getClassName());
            assertTrue(seen.list.get(1).getFormattedMessage().equals("collector gone"));
        } finally {
            target.detachAppender(seen);
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            before.forEach(root::addHandler);
        }
        assertEquals(org.slf4j.event.Level.DEBUG, JulBridge.level(Level.FINE));
        assertEquals(org.slf4j.event.Level.TRACE, JulBridge.level(Level.FINEST));
        assertEquals(org.slf4j.event.Level.INFO, JulBridge.level(Level.CONFIG));
    }
}
