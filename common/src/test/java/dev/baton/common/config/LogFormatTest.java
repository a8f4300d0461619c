package dev.baton.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogFormatTest {
    @Test
    void textOrJsonInAnyCaseAndAnythingElseIsRefusedNamingTheSettingAndTheChoices() {
        assertEquals(LogFormat.TEXT, LogFormat.read(new SettingsReader(Map.of())));
        assertEquals(LogFormat.TEXT, LogFormat.read(new SettingsReader(Map.of("BATON_LOG_FORMAT", " "))));
        assertEquals(LogFormat.TEXT, LogFormat.read(new SettingsReader(Map.of("BATON_LOG_FORMAT", "text"))));
        assertEquals(LogFormat.JSON, LogFormat.read(new SettingsReader(Map.of("BATON_LOG_FORMAT", " JSON "))));
        assertEquals("BATON_LOG_FORMAT must be text or json, was 'jsn'", assertThrows(IllegalArgumentException.class,
                () -> LogFormat.read(new SettingsReader(Map.of("BATON_LOG_FORMAT", "jsn")))).getMessage());
        // what the logging configuration reads: it cannot refuse, the program's main does
        assertEquals(LogFormat.TEXT, LogFormat.orText(Map.of("BATON_LOG_FORMAT", "jsn")));
        assertEquals(LogFormat.JSON, LogFormat.orText(Map.of("BATON_LOG_FORMAT", "json")));
    }
}
