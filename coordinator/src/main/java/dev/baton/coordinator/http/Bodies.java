package dev.baton.coordinator.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.baton.common.Json;
import dev.baton.coordinator.error.BatonException;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.stream.Collectors;

/** Request bodies in, JSON answers out, through the strict shared {@link Json} mapper. */
public final class Bodies {
    private Bodies() {
    }

    /** Parses {@code body} (null or blank means {@code {}}) as {@code type}, or throws a 400. */
    public static <T> T parse(String body, Class<T> type) {
        String text = body == null || body.isBlank() ? "{}" : body;
        try {
            T value = Json.mapper().readValue(text, type);
            if (value == null) {
                throw BatonException.invalid("body", "expected a JSON object");
            }
            // Only an escape can put NUL or a lone surrogate into a parsed string: skip the scan without one.
            if (text.contains("\\u")) {
                rejectUnstorableText(text);
            }
            return value;
        } catch (JsonProcessingException e) {
            throw toInvalid(e);
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
                    String problem = unstorable(p.getText());
                    if (problem != null) {
                        throw BatonException.invalid(path(p.getParsingContext()), problem);
                    }
                }
            }
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Why PostgreSQL cannot store {@code s} unchanged, or null when it can. */
    public static String unstorable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                return "must not contain the NUL character (\\u0000)";
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "must not contain an unpaired UTF-16 surrogate";
            }
        }
        return null;
    }

    /** The field a parser stands on, spelled as {@link #toInvalid} spells it: {@code jobs[1].labels.a}. */
    private static String path(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.push("[" + c.getCurrentIndex() + "]");
            } else if (c.getCurrentName() != null) {
                parts.push("." + c.getCurrentName());
            }
        }
        String path = String.join("", parts);
        return path.isEmpty() ? "body" : path.startsWith(".") ? path.substring(1) : path;
    }

    public static BatonException toInvalid(JacksonException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // Databind wraps the parser's report when the field sits inside a value it builds.
            if (t instanceof StreamReadException s && s.getProcessor() instanceof JsonParser p
                    && String.valueOf(s.getOriginalMessage()).startsWith("Duplicate field")) {
                return BatonException.invalid(path(p.getParsingContext()), "is given more than once");
            }
        }
        String field = "body";
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
        }
        String message;
        if (e instanceof UnrecognizedPropertyException u) {
            field = field.equals("body") ? u.getPropertyName() : field;
            message = "unknown field";
        } else if (e instanceof ValueInstantiationException v && v.getCause() != null) {
            message = v.getCause().getMessage();
        } else if (e instanceof InvalidFormatException f) {
            message = "cannot read " + describe(f.getValue()) + " as " + typeName(f.getTargetType());
        } else if (e instanceof MismatchedInputException mi) {
            message = mi.getTargetType() != null ? "expected " + typeName(mi.getTargetType()) : "wrong JSON type";
        } else if (e instanceof DatabindException) {
            message = "invalid value";
        } else {
            message = "malformed JSON: " + e.getOriginalMessage();
        }
        return BatonException.invalid(field, message);
    }

    private static String describe(Object value) {
        String s = String.valueOf(value);
        return "'" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "'";
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "the expected type";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return type == Double.class || type == double.class ? "a number" : "a whole number";
        }
        if (type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == java.time.Instant.class) {
            return "an RFC 3339 time such as 2026-11-22T10:00:00Z";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "an object";
        }
        return type.getSimpleName();
    }

    public static MutableHttpResponse<String> json(HttpStatus status, Object body) {
        return HttpResponse.<String>status(status).body(Json.write(body)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    /** Whether a {@code Prefer} header (RFC 7240: comma-separated, tokens case-insensitive) asks for return=minimal. */
    public static boolean prefersMinimal(String prefer) {
        if (prefer == null) {
            return false;
        }
        for (String preference : prefer.split(",")) {
            String p = preference.split(";", 2)[0].strip().replace(" ", "");
            if (p.equalsIgnoreCase("return=minimal") || p.equalsIgnoreCase("return=\"minimal\"")) {
                return true;
            }
        }
        return false;
    }

    public static MutableHttpResponse<String> ok(Object body) {
        return json(HttpStatus.OK, body);
    }
}
