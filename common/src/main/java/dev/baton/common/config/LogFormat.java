package dev.baton.common.config;

import java.util.Map;

/**
 * BATON_LOG_FORMAT: how a Baton process (the coordinator, {@code java -jar baton-worker.jar})
 * writes its log lines to stdout: {@code text} (the default) or {@code json}, one object a line
 * ({@link dev.baton.common.logging.JsonLineEncoder}). The logging configuration reads it before
 * anything else runs ({@link dev.baton.common.logging.LogFormatEncoder}, which falls back to text
 * on a value it does not know); the programs' {@code main} refuses such a value with one line,
 * as they refuse any other bad setting ({@link #read}).
 */
public enum LogFormat {
    TEXT, JSON;

    public static final String NAME = "BATON_LOG_FORMAT";

    /** The format set, refusing anything but text or json (any case): "BATON_LOG_FORMAT must be text or json, was 'jsn'". */
    public static LogFormat read(SettingsReader settings) {
        String v = settings.text(NAME);
        if (v == null) {
            return TEXT;
        }
        for (LogFormat f : values()) {
            if (f.name().equalsIgnoreCase(v)) {
                return f;
            }
        }
        throw SettingsReader.refused(NAME, "must be text or json", v);
    }

    /** As {@link #read} from the environment and {@code baton.log.format}; text when the value is not one. */
    public static LogFormat orText(Map<String, String> env) {
        try {
            return read(SettingsReader.fromEnvironment(env, Map.of()));
        } catch (IllegalArgumentException refusedByMain) {
            return TEXT;
        }
    }
}
