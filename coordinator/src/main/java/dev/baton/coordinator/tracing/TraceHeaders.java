package dev.baton.coordinator.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A W3C trace context (https://www.w3.org/TR/trace-context/) as Baton stores it with a job and
 * hands it to workers: the {@code traceparent}, in its version-00 form, and the {@code tracestate}
 * that came with it (null when none did). Parsing and writing are OpenTelemetry's W3C propagator,
 * which follows the recommendation to the letter (lowercase hex only, no all-zero ids, version
 * {@code ff} invalid, a higher version read by its first four fields, an invalid tracestate dropped).
 */
public record TraceHeaders(String traceparent, String tracestate) {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    /** W3C asks for at least 512 characters of tracestate to be passed on; Baton keeps no more. */
    static final int TRACESTATE_MAX = 512;
    /** W3C: when tracestate must be shortened, entries longer than this go first. */
    static final int LONG_ENTRY = 128;
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    /**
     * The context a request's headers carry, or null when they carry none or an invalid one: W3C
     * asks a receiver to ignore an invalid {@code traceparent} (and its {@code tracestate}) and start
     * a new trace, so such a request is served as if it carried none. Two {@code traceparent} headers
     * are invalid; several {@code tracestate} headers are one list. An invalid {@code tracestate} is
     * dropped and the {@code traceparent} kept.
     */
    public static TraceHeaders fromRequest(List<String> traceparents, List<String> tracestates) {
        if (traceparents.size() != 1) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>();
        carrier.put(TRACEPARENT, traceparents.get(0));
        if (!tracestates.isEmpty()) {
            carrier.put(TRACESTATE, String.join(",", tracestates));
        }
        return of(Span.fromContext(W3C.extract(Context.root(), carrier, GETTER)).getSpanContext());
    }

    /** The context of a span, or null when it is invalid (no span at all: tracing off, no caller's context). */
    public static TraceHeaders of(SpanContext span) {
        if (!span.isValid()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>();
        W3C.inject(Context.root().with(Span.wrap(span)), carrier, Map::put);
        return new TraceHeaders(carrier.get(TRACEPARENT), shortened(carrier.get(TRACESTATE)));
    }

    /** The stored context read back, or null when there is none. */
    public static TraceHeaders stored(String traceparent, String tracestate) {
        return traceparent == null ? null : new TraceHeaders(traceparent, tracestate);
    }

    /** As a remote span context: a span's parent or link. */
    public SpanContext spanContext() {
        Map<String, String> carrier = new HashMap<>();
        carrier.put(TRACEPARENT, traceparent);
        if (tracestate != null) {
            carrier.put(TRACESTATE, tracestate);
        }
        return Span.fromContext(W3C.extract(Context.root(), carrier, GETTER)).getSpanContext();
    }

    /**
     * At most {@link #TRACESTATE_MAX} characters, shortened the way W3C says: entries over
     * {@link #LONG_ENTRY} characters first, then entries from the end (entries hold no comma).
     */
    static String shortened(String tracestate) {
        if (tracestate == null || tracestate.isEmpty()) {
            return null;
        }
        if (tracestate.length() <= TRACESTATE_MAX) {
            return tracestate;
        }
        List<String> entries = new ArrayList<>(List.of(tracestate.split(",")));
        for (int i = entries.size() - 1; i >= 0 && length(entries) > TRACESTATE_MAX; i--) {
            if (entries.get(i).length() > LONG_ENTRY) {
                entries.remove(i);
            }
        }
        while (length(entries) > TRACESTATE_MAX) {
            entries.removeLast();
        }
        return entries.isEmpty() ? null : String.join(",", entries);
    }

    private static int length(List<String> entries) {
        return entries.stream().mapToInt(String::length).sum() + Math.max(0, entries.size() - 1);
    }
}
