package dev.baton.common.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import dev.baton.common.config.LogFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLineEncoderTest {
    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("dev.baton.test.Thing");

    JsonLineEncoderTest() {
        context.setMDCAdapter(new LogbackMDCAdapter());
    }

    private ILoggingEvent event(String message, Throwable thrown, Object... args) {
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, thrown, args);
        e.setTimeStamp(Instant.parse("2026-05-04T10:00:00Z").toEpochMilli());
        e.setThreadName("worker-1");
        return e;
    }

    private static String line(JsonLineEncoder encoder, ILoggingEvent event) {
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void anEventIsOneFlatObjectOnOneLine() throws Exception {
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();
        LoggingEvent e = (LoggingEvent) event("job {} said \"{}\"\nand more", null, 42, "é\t");
        e.setMDCPropertyMap(Map.of("request", "r-1", "level", "clash"));
        e.addKeyValuePair(new org.slf4j.event.KeyValuePair("job", 42));
        e.addKeyValuePair(new org.slf4j.event.KeyValuePair("code", "lease_lost"));
        String line = line(encoder, e);
        assertTrue(line.endsWith("\n"));
        assertEquals(1, line.lines().count(), line);
        JsonNode json = Json.mapper().readTree(line); // strict: a field given twice would be refused
        assertEquals("2026-05-04T10:00:00.000Z", json.path("timestamp").asText());
        assertEquals("WARN", json.path("level").asText());
        assertEquals("dev.baton.test.Thing", json.path("logger").asText());
        assertEquals("worker-1", json.path("thread").asText());
        assertEquals("job 42 said \"é\t\"\nand more", json.path("message").asText());
        assertEquals("r-1", json.path("request").asText());
        assertEquals("clash", json.path("mdc.level").asText());
        assertEquals("42", json.path("job").asText());
        assertEquals("lease_lost", json.path("code").asText());
        assertFalse(json.has("exception"));
    }

    @Test
    void anExceptionIsItsClassMessageAndStackTraceAsOneString() throws Exception {
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();
        IllegalStateException thrown = new IllegalStateException("outer", new java.io.IOException("inner"));
        JsonNode json = Json.mapper().readTree(line(encoder, event("failed", thrown)));
        assertEquals("failed", json.path("message").asText());
        JsonNode exception = json.path("exception");
        assertEquals("java.lang.IllegalStateException", exception.path("class").asText());
        assertEquals("outer", exception.path("message").asText());
        String stack = exception.path("stackTrace").asText();
        assertTrue(stack.startsWith("java.lang.IllegalStateException: outer"), stack);
        assertTrue(stack.contains("\tat dev.baton.common.logging.JsonLineEncoderTest"), stack);
        assertTrue(stack.contains("Caused by: java.io.IOException: inner"), stack);
    }

    @Test
    void theConfiguredEncoderWritesJsonOnlyWhenBatonLogFormatSaysSo() throws Exception {
        for (String format : List.of("", "text", "json", "jsn")) {
            String before = System.getProperty("baton.log.format");
            try {
                if (format.isEmpty()) {
                    System.clearProperty("baton.log.format");
                } else {
                    System.setProperty("baton.log.format", format);
                }
                LogFormatEncoder encoder = new LogFormatEncoder();
                encoder.setContext(context);
                encoder.setPattern("%level %logger{0} - %msg%n");
                encoder.start();
                String line = new String(encoder.encode(event("hello {}", null, "there")), StandardCharsets.UTF_8);
                if (format.equals("json")) {
                    assertEquals(LogFormat.JSON, encoder.format());
                    assertEquals("hello there", Json.mapper().readTree(line).path("message").asText());
                } else {
                    assertEquals(LogFormat.TEXT, encoder.format());
                    assertEquals("WARN Thing - hello there" + System.lineSeparator(), line);
                }
                encoder.stop();
            } finally {
                if (before == null) {
                    System.clearProperty("baton.log.format");
                } else {
                    System.setProperty("baton.log.format", before);
                }
            }
        }
    }
}
