package dev.baton.common.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * One log event as one line of JSON (BATON_LOG_FORMAT=json), a flat object:
 * <pre>
 * {"timestamp":"2026-05-04T10:00:00.123Z","level":"WARN","logger":"…http.Problems",
 *  "thread":"virtual-14","message":"refused POST /api/v1/jobs/42/complete (job 42) …","status":"409","code":"lease_lost","job":"42"}
 * </pre>
 * then, when there are some, the MDC's entries and the event's key-value pairs (SLF4J's
 * {@code addKeyValue}) as fields of their own (one whose name is taken gets the prefix
 * {@code mdc.} or {@code kv.}), and for an exception
 * {@code "exception":{"class":…,"message":…,"stackTrace":"…\n\tat …"}}, the stack trace as the
 * text logback's pattern layout would print (causes included), in one string.
 *
 * <p>Why not logback's own {@code JsonEncoder} (1.5): its object is logback's event as it is, not
 * a log line: the time as epoch milliseconds beside a separate nanoseconds field, the MDC under
 * {@code mdc}, key-value pairs as an array of one-field objects, the message's pattern and its
 * arguments apart from the formatted message, and a throwable as nested objects with each stack
 * frame an object of its own; every query (jq, Loki, Elasticsearch) would have to dig for what
 * this writes at the top. Jackson's streaming generator, already on every Baton class path,
 * writes this in a few lines and escapes every string.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();
    /** ISO-8601 in UTC, always with milliseconds: lines sort as text. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final byte[] NOTHING = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] footerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("timestamp", TIME.format(Instant.ofEpochMilli(event.getTimeStamp())));
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("message", event.getFormattedMessage());
            Set<String> taken = new HashSet<>(Set.of("timestamp", "level", "logger", "thread", "message", "exception"));
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null) {
                for (Map.Entry<String, String> e : mdc.entrySet()) {
                    json.writeStringField(taken.add(e.getKey()) ? e.getKey() : "mdc." + e.getKey(), e.getValue());
                }
            }
            List<KeyValuePair> pairs = event.getKeyValuePairs();
            if (pairs != null) {
                for (KeyValuePair p : pairs) {
                    json.writeStringField(taken.add(p.key) ? p.key : "kv." + p.key,
                            p.value == null ? null : String.valueOf(p.value));
                }
            }
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                json.writeObjectFieldStart("exception");
                json.writeStringField("class", thrown.getClassName());
                json.writeStringField("message", thrown.getMessage());
                json.writeStringField("stackTrace", ThrowableProxyUtil.asString(thrown));
                json.writeEndObject();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        out.write('\n');
        return out.toByteArray();
    }
}
