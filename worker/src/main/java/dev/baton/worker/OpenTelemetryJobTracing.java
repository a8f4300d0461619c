package dev.baton.worker;

import dev.baton.common.Job;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link JobTracing} with OpenTelemetry; with {@link #currentContext} the only classes of the
 * worker that name it. Each attempt's handler runs in a CONSUMER span {@code process <queue>}, the
 * current span while it runs (the handler's own spans are its children), following OpenTelemetry's
 * messaging conventions: the first attempt is a child of the context the job was enqueued under;
 * a later attempt (a retry, or a run after a lost lease) starts a trace of its own with a link to
 * it, so the producer's trace is not stretched over hours of retries. A handler that throws ends
 * the span with status ERROR and the exception recorded.
 */
final class OpenTelemetryJobTracing implements JobTracing {
    static final String SCOPE = "dev.baton.worker";
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Job> FROM_JOB = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Job job) {
            return java.util.List.of("traceparent", "tracestate");
        }

        @Override
        public String get(Job job, String key) {
            if (job == null) {
                return null;
            }
            return switch (key) {
                case "traceparent" -> job.traceparent();
                case "tracestate" -> job.tracestate();
                default -> null;
            };
        }
    };
    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    private static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<String> JOB_TYPE = AttributeKey.stringKey("baton.job.type");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("baton.job.attempt");

    private final Tracer tracer;

    /** {@code openTelemetry} is an {@link OpenTelemetry}; typed Object so that callers need not load its classes. */
    OpenTelemetryJobTracing(Object openTelemetry) {
        this.tracer = ((OpenTelemetry) openTelemetry).getTracer(SCOPE);
    }

    @Override
    public Object handle(Job job, Handler handler) throws Exception {
        SpanContext enqueued = Span.fromContext(W3C.extract(Context.root(), job, FROM_JOB)).getSpanContext();
        SpanBuilder b = tracer.spanBuilder("process " + job.queue()).setSpanKind(SpanKind.CONSUMER)
                .setAttribute(SYSTEM, "baton").setAttribute(DESTINATION, job.queue())
                .setAttribute(OPERATION_TYPE, "process").setAttribute(OPERATION_NAME, "process")
                .setAttribute(MESSAGE_ID, job.id()).setAttribute(JOB_TYPE, job.type())
                .setAttribute(ATTEMPT, (long) job.attempt());
        if (enqueued.isValid() && job.attempt() <= 1) {
            b.setParent(Context.root().with(Span.wrap(enqueued)));
        } else {
            b.setNoParent();
            if (enqueued.isValid()) {
                b.addLink(enqueued);
            }
        }
        Span span = b.startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return handler.run();
        } catch (Exception | Error e) {
            span.recordException(e);
            span.setAttribute(ERROR_TYPE, e.getClass().getName());
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    /** The W3C headers of the caller's current span (none without a valid one): what POST /jobs stores. */
    static Map<String, String> currentContext() {
        Map<String, String> headers = new HashMap<>();
        W3C.inject(Context.current(), headers, Map::put);
        return headers;
    }
}
