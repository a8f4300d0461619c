package dev.baton.coordinator.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
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
            return value;
        } catch (JsonProcessingException e) {
            throw toInvalid(e);
        }
    }

    public static BatonException toInvalid(JacksonException e) {
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

    public static MutableHttpResponse<String> ok(Object body) {
        return json(HttpStatus.OK, body);
    }
}
