package dev.baton.coordinator.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.baton.common.Job;
import dev.baton.common.Json;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.type.Argument;
import io.micronaut.core.type.MutableHeaders;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.body.MessageBodyWriter;
import io.micronaut.http.codec.CodecException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collection;

/**
 * Writes every JSON answer of the API, a wire record of {@code dev.baton.common} ({@link Job},
 * the records of {@code Responses}) or a list of them, through the same strict {@link Json}
 * mapper the requests are read with; ordered, as {@link RequestBodyReader} is, ahead of
 * Micronaut's own JSON handler. Problems (application/problem+json) are written by
 * {@link Problems}.
 */
@Singleton
@Order(RequestBodyReader.ORDER)
@Produces(MediaType.APPLICATION_JSON)
public final class ResponseJsonWriter implements MessageBodyWriter<Object> {
    private static final String WIRE_PACKAGE = Job.class.getPackageName();
    /** Leaves the framework's stream open for it to finish. */
    private static final ObjectWriter WRITER = Json.mapper().writer().without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    @Override
    public boolean isWriteable(Argument<Object> type, @Nullable MediaType mediaType) {
        return isWire(type)
                && (mediaType == null || mediaType.matchesAllOrWildcardOrExtension(MediaType.EXTENSION_JSON));
    }

    private static boolean isWire(Argument<?> type) {
        Class<?> c = type.getType();
        if (Collection.class.isAssignableFrom(c)) {
            return type.getFirstTypeVariable().map(ResponseJsonWriter::isWire).orElse(false);
        }
        return c.isRecord() && c.getPackageName().equals(WIRE_PACKAGE);
    }

    @Override
    public void writeTo(Argument<Object> type, MediaType mediaType, Object body, MutableHeaders headers,
                        OutputStream out) {
        headers.setIfMissing(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        try {
            WRITER.writeValue(out, body);
        } catch (IOException e) {
            throw new CodecException("cannot write " + body.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
