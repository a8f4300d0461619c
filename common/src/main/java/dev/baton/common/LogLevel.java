package dev.baton.common;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static LogLevel fromWire(String value) {
        for (LogLevel l : values()) {
            if (l.wire().equals(value)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown level '" + value + "'; expected one of trace, debug, info, warn, error");
    }
}
