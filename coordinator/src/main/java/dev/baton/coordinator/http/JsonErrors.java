package dev.baton.coordinator.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.baton.coordinator.error.BatonException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What Jackson reports about a body it cannot read, said as a 400 naming the field the way a
 * client wrote it ({@code jobs[1].labels.a}), never as the exception's own text.
 */
final class JsonErrors {
    private JsonErrors() {
    }

    /** The field a parser stands on, spelled as {@link #toInvalid} spells it: {@code jobs[1].labels.a}. */
    static String path(JsonStreamContext context) {
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

    static BatonException toInvalid(JacksonException e) {
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
        if (type == Instant.class) {
            return "an RFC 3339 time such as 2026-11-22T10:00:00Z";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "an object";
        }
        return type.getSimpleName();
    }
}
