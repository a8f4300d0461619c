package dev.baton.common.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.baton.common.config.LogFormat;

/**
 * The encoder of the coordinator's and the runnable worker's logback.xml: lines of text in the
 * configured {@code pattern}, or with BATON_LOG_FORMAT=json (or {@code -Dbaton.log.format=json})
 * one JSON object a line ({@link JsonLineEncoder}). The format is read here, when logback starts,
 * because logging starts before any {@code main} runs; a value that is neither is written as text,
 * and the program then refuses it at start with one line ({@link LogFormat#read}).
 */
public final class LogFormatEncoder extends EncoderBase<ILoggingEvent> {
    private String pattern;
    private Encoder<ILoggingEvent> chosen;

    /** The text format's pattern, as a PatternLayoutEncoder takes it. */
    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    /** The format this encoder writes, once started. */
    public LogFormat format() {
        return chosen instanceof JsonLineEncoder ? LogFormat.JSON : LogFormat.TEXT;
    }

    @Override
    public void start() {
        if (LogFormat.orText(System.getenv()) == LogFormat.JSON) {
            chosen = new JsonLineEncoder();
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(pattern);
            chosen = text;
        }
        chosen.setContext(getContext());
        chosen.start();
        super.start();
    }

    @Override
    public void stop() {
        if (chosen != null) {
            chosen.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return chosen.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return chosen.encode(event);
    }

    @Override
    public byte[] footerBytes() {
        return chosen.footerBytes();
    }
}
