package dev.baton.coordinator.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.StorableText;
import dev.baton.coordinator.error.BatonException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.io.buffer.ByteBuffer;
import io.micronaut.core.io.buffer.ReferenceCounted;
import io.micronaut.core.type.Argument;
import io.micronaut.core.type.Headers;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.body.MessageBodyReader;
import io.micronaut.http.codec.CodecException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Every request body of the API becomes its record of {@link Requests} here, through the one
 * strict {@link Json} mapper; a body it cannot take is a 400 naming the field, and the route is
 * not called. Micronaut's own JSON handler (order -10) reads with another mapper: this reader is
 * ordered ahead of it and takes only the records of {@link Requests}. It is generic, as that
 * handler is, because the framework offers a body of type X only to readers of X, of a subtype
 * of X, or of a type variable.
 *
 * <p>The bytes are decoded strictly ({@link StrictText}). A blank body means {@code {}}; an empty
 * one reaches the route as null (the framework binds nothing), and {@link #orEmpty} makes it
 * {@code {}} too.
 */
@Singleton
@Order(RequestBodyReader.ORDER)
@Consumes(MediaType.APPLICATION_JSON)
public final class RequestBodyReader<T> implements MessageBodyReader<T> {
    /** Ahead of Micronaut's JSON handler ({@code JsonMessageHandler.ORDER}, -10): lower goes first. */
    static final int ORDER = -100;

    /** What {@code {}} reads as, per record type. */
    private static final ClassValue<Object> EMPTY = new ClassValue<>() {
        @Override
        protected Object computeValue(Class<?> type) {
            return parse("{}", type);
        }
    };

    @Override
    public boolean isReadable(Argument<T> type, @Nullable MediaType mediaType) {
        return type.getType().getDeclaringClass() == Requests.class
                && (mediaType == null || mediaType.matchesAllOrWildcardOrExtension(MediaType.EXTENSION_JSON));
    }

    /** The framework releases the buffer when this throws; on success it is this reader's to release. */
    @Override
    public T read(Argument<T> type, MediaType mediaType, Headers headers, ByteBuffer<?> body) {
        T value = parse(StrictText.decode(body.toByteArray(), mediaType), type.getType());
        if (body instanceof ReferenceCounted counted) {
            counted.release();
        }
        return value;
    }

    @Override
    public T read(Argument<T> type, MediaType mediaType, Headers headers, InputStream body) {
        try {
            return parse(StrictText.decode(body.readAllBytes(), mediaType), type.getType());
        } catch (IOException e) {
            throw new CodecException("cannot read the request body", e);
        }
    }

    /** {@code body}, or what {@code {}} reads as when the request had no body at all. */
    public static <R extends Record> R orEmpty(@Nullable R body, Class<R> type) {
        return body != null ? body : type.cast(EMPTY.get(type));
    }

    /** Parses {@code body} (blank means {@code {}}) as {@code type}, or throws a 400. */
    static <V> V parse(String body, Class<V> type) {
        String text = body.isBlank() ? "{}" : body;
        try {
            V value = Json.mapper().readValue(text, type);
            if (value == null) {
                throw BatonException.invalid("body", "expected a JSON object");
            }
            // Only an escape can put NUL or a lone surrogate into a parsed string: skip the scan without one.
            if (text.contains("\\u")) {
                rejectUnstorableText(text);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw JsonErrors.toInvalid(e);
        }
    }

    /**
     * PostgreSQL stores no NUL character (in text or jsonb), and a lone UTF-16 surrogate cannot
     * be encoded as UTF-8 (the driver would store '?'). Either is a 400 naming the field, not a
     * 500 from the database or a silently changed value.
     */
    private static void rejectUnstorableText(String text) throws JsonProcessingException {
        try (JsonParser p = Json.mapper().getFactory().createParser(text)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.FIELD_NAME || t == JsonToken.VALUE_STRING) {
                    String problem = StorableText.problem(p.getText());
                    if (problem != null) {
                        throw BatonException.invalid(JsonErrors.path(p.getParsingContext()), problem);
                    }
                }
            }
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
