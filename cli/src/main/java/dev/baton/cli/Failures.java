package dev.baton.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.temporal.Temporal;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * Why something failed, in plain words: JDK and Jackson exceptions are never shown by class name
 * (hostile review, defect 11).
 */
public final class Failures {
    private Failures() {
    }

    /** The reason, e.g. {@code connection refused}, {@code no such file}, {@code unknown field "x" (known: a, b)}. */
    public static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "no such host";
            }
        }
        return switch (e) {
            case HttpConnectTimeoutException t -> "timed out connecting";
            case HttpTimeoutException t -> "no answer in time";
            case ConnectException t -> "connection refused";
            case SSLException t -> t.getMessage() != null && t.getMessage().contains("PKIX")
                    ? "its TLS certificate is not trusted (give a trust store: BATON_CLI_JAVA_OPTS=-Djavax.net.ssl.trustStore=…)"
                    : "the TLS handshake failed";
            case NoSuchFileException t -> "no such file";
            case AccessDeniedException t -> "permission denied";
            case NotDirectoryException t -> "not a directory";
            case JsonProcessingException t -> json(t);
            case UncheckedIOException t -> reason(t.getCause());
            case InterruptedException t -> "interrupted";
            default -> e.getMessage() == null || e.getMessage().isBlank()
                    ? "an unexpected error (a bug in baton: please report it)" : e.getMessage();
        };
    }

    /** What is wrong with some JSON, or with a value in it, by field. */
    public static String json(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream().map(String::valueOf)
                    .collect(Collectors.toCollection(TreeSet::new)).stream().collect(Collectors.joining(", ", " (known: ", ")"));
            return "unknown field \"" + path(u) + "\"" + known;
        }
        if (e instanceof InvalidFormatException f) {
            return "field " + path(f) + ": expected " + kind(f.getTargetType()) + ", got " + shown(f.getValue());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null && !m.getPath().isEmpty()) {
            return "field " + path(m) + ": expected " + kind(m.getTargetType());
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            return "field " + path(m) + ": not a value it can take";
        }
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        String what = e.getOriginalMessage() == null ? "not JSON" : e.getOriginalMessage().lines().findFirst().orElse("");
        return what + where;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String shown(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    private static String kind(Class<?> type) {
        if (type == null) {
            return "another kind of value";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Temporal.class.isAssignableFrom(type)) {
            return "an RFC 3339 time (2026-11-22T10:00:00Z)";
        }
        if (type.isEnum()) {
            return "one of " + List.of(type.getEnumConstants()).stream().map(c -> c.toString().toLowerCase())
                    .collect(Collectors.joining(", "));
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (JsonNode.class.isAssignableFrom(type)) {
            return "a JSON value";
        }
        return Map.class.isAssignableFrom(type) || type.isRecord() ? "an object" : "another kind of value";
    }
}
