package dev.baton.coordinator.tracing;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.coordinator.error.BatonException;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The coordinator's own spans (docs/protocol.md "Tracing"): one per enqueue request, one per claim
 * that hands out jobs, one per job a worker completes or fails. Each carries the OpenTelemetry
 * messaging attributes that fit (system {@code baton}, the queue as destination, the job id as
 * message id). With tracing off ({@code OpenTelemetry.noop()}, the default without
 * BATON_OTLP_ENDPOINT) no span is made, no clock read: an enqueue stores the caller's context as it came.
 */
public final class Tracing {
    public static final Tracing OFF = new Tracing(OpenTelemetry.noop());
    static final String SCOPE = "dev.baton.coordinator";
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    static final AttributeKey<String> CLIENT_ID = AttributeKey.stringKey("messaging.client.id");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> JOB_TYPE = AttributeKey.stringKey("baton.job.type");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("baton.job.attempt");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("baton.job.outcome");

    /** Null when tracing is off. */
    private final Tracer tracer;

    public Tracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracerProvider() == TracerProvider.noop() ? null
                : openTelemetry.getTracer(SCOPE);
    }

    /** Whether spans are made: an SDK was configured (BATON_OTLP_ENDPOINT) or given. */
    public boolean on() {
        return tracer != null;
    }

    /** When a span about to be recorded began; null when tracing is off. */
    public Instant now() {
        return tracer == null ? null : Instant.now();
    }

    /**
     * Runs an enqueue request ({@code POST /jobs}, {@code /jobs/batch}) in a PRODUCER span
     * {@code enqueue <queue>}, a child of the caller's context; the jobs store the span's context
     * ({@link Enqueue#stored}), so a worker's span continues from it. Off: they store the caller's.
     */
    public <T> T enqueue(TraceHeaders caller, List<String> queues, Function<Enqueue, T> request) {
        if (tracer == null) {
            return request.apply(new Enqueue(null, caller));
        }
        List<String> distinct = queues.stream().distinct().toList();
        SpanBuilder b = tracer.spanBuilder(distinct.size() == 1 ? "enqueue " + distinct.get(0) : "enqueue")
                .setSpanKind(SpanKind.PRODUCER)
                .setParent(caller == null ? Context.root() : Context.root().with(Span.wrap(caller.spanContext())))
                .setAttribute(SYSTEM, "baton").setAttribute(OPERATION_TYPE, "send").setAttribute(OPERATION_NAME, "enqueue");
        if (distinct.size() == 1) {
            b.setAttribute(DESTINATION, distinct.get(0));
        }
        if (queues.size() > 1) {
            b.setAttribute(BATCH_COUNT, (long) queues.size());
        }
        Span span = b.startSpan();
        try {
            return request.apply(new Enqueue(span, TraceHeaders.of(span.getSpanContext())));
        } catch (RuntimeException | Error e) {
            failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** An enqueue under way: the context its jobs store, and what became of them. */
    public static final class Enqueue {
        private final Span span;
        private final TraceHeaders stored;

        Enqueue(Span span, TraceHeaders stored) {
            this.span = span;
            this.stored = stored;
        }

        /** The context to store with the jobs: this span's, or with tracing off the caller's (null: none). */
        public TraceHeaders stored() {
            return stored;
        }

        /** The jobs made (or, {@code deduplicated}, the one its uniqueKey found). */
        public void answered(List<Job> jobs, boolean deduplicated) {
            if (span == null) {
                return;
            }
            if (jobs.size() == 1) {
                span.setAttribute(MESSAGE_ID, jobs.get(0).id()).setAttribute(JOB_TYPE, jobs.get(0).type());
            }
            span.setAttribute(OUTCOME, deduplicated ? "deduplicated" : "enqueued");
        }
    }

    /**
     * A claim that handed out jobs: a SERVER span {@code claim <queue>} from {@code started} (the
     * look that found them) to now, a new root linked to each job's context. A claim that hands out
     * nothing makes no span: idle long polls would fill a trace store with nothing to see.
     */
    public void claimed(String workerId, List<String> queues, List<Job> jobs, Instant started) {
        if (tracer == null || jobs.isEmpty()) {
            return;
        }
        SpanBuilder b = tracer.spanBuilder(queues.size() == 1 ? "claim " + queues.get(0) : "claim")
                .setSpanKind(SpanKind.SERVER).setNoParent().setStartTimestamp(started)
                .setAttribute(SYSTEM, "baton").setAttribute(OPERATION_TYPE, "receive")
                .setAttribute(OPERATION_NAME, "claim").setAttribute(CLIENT_ID, workerId);
        if (queues.size() == 1) {
            b.setAttribute(DESTINATION, queues.get(0));
        }
        if (jobs.size() == 1) {
            b.setAttribute(MESSAGE_ID, jobs.get(0).id()).setAttribute(JOB_TYPE, jobs.get(0).type())
                    .setAttribute(ATTEMPT, (long) jobs.get(0).attempt());
        } else {
            b.setAttribute(BATCH_COUNT, (long) jobs.size());
        }
        for (Job job : jobs) {
            TraceHeaders context = TraceHeaders.stored(job.traceparent(), job.tracestate());
            if (context != null) {
                b.addLink(context.spanContext(), Attributes.of(MESSAGE_ID, job.id(), ATTEMPT, (long) job.attempt()));
            }
        }
        b.startSpan().end();
    }

    /** The job a worker's complete or fail acted on (or was refused for), as its span needs it. */
    public record Settled(String id, String queue, String type, int attempt, TraceHeaders context) {
        public static Settled of(Job job) {
            return new Settled(job.id(), job.queue(), job.type(), job.attempt(),
                    TraceHeaders.stored(job.traceparent(), job.tracestate()));
        }

        /** A job the refusal did not show (none by that id): its span knows only the id. */
        public static Settled unknown(String id) {
            return new Settled(id, null, null, 0, null);
        }
    }

    /**
     * A worker's complete or fail ({@code operation}) of one job, answered: a SERVER span
     * {@code complete <queue>} or {@code fail <queue>} from {@code started} to now, a child of the
     * job's context, so it shows in the job's trace. {@code outcome}: {@code succeeded},
     * {@code retried}, {@code failed} ({@link #outcome}), or the refusal's code with {@code refused}.
     */
    public void settled(String operation, Settled job, String outcome, boolean refused, Instant started) {
        if (tracer == null) {
            return;
        }
        SpanBuilder b = tracer.spanBuilder(job.queue() == null ? operation : operation + " " + job.queue())
                .setSpanKind(SpanKind.SERVER).setStartTimestamp(started)
                .setParent(job.context() == null ? Context.root()
                        : Context.root().with(Span.wrap(job.context().spanContext())))
                .setAttribute(SYSTEM, "baton").setAttribute(OPERATION_TYPE, "settle")
                .setAttribute(OPERATION_NAME, operation).setAttribute(MESSAGE_ID, job.id())
                .setAttribute(OUTCOME, outcome);
        if (job.queue() != null) {
            b.setAttribute(DESTINATION, job.queue()).setAttribute(JOB_TYPE, job.type())
                    .setAttribute(ATTEMPT, (long) job.attempt());
        }
        Span span = b.startSpan();
        if (refused) {
            span.setAttribute(ERROR_TYPE, outcome).setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /** How a worker's complete or fail left the job: {@code succeeded}, {@code retried} (queued again) or {@code failed}. */
    public static String outcome(Job job) {
        return job.status() == JobStatus.QUEUED ? "retried" : job.status().wire();
    }

    /** A refused request's error type: Baton's code (docs/protocol.md), else the exception's class. */
    private static void failed(Span span, Throwable e) {
        span.setAttribute(ERROR_TYPE, e instanceof BatonException b ? b.code().code() : e.getClass().getName());
        span.setStatus(StatusCode.ERROR);
    }
}
