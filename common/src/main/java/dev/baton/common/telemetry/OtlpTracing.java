package dev.baton.common.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry SDK of a Baton program that exports its spans (a coordinator, the runnable
 * worker), made only when BATON_OTLP_ENDPOINT is set: without it the program uses
 * {@code OpenTelemetry.noop()} and loads nothing of the SDK. Spans leave in batches (the SDK's
 * BatchSpanProcessor: every 5 s or 512 spans, at most 2,048 waiting, the rest dropped) over
 * OTLP/HTTP with protobuf to {@code <endpoint>/v1/traces}, sent by the JDK's own HttpClient, and
 * every span is sampled unless its parent was not. W3C trace context is the only propagation.
 */
public final class OtlpTracing {
    public static final String ENDPOINT = "BATON_OTLP_ENDPOINT";
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

    private OtlpTracing() {
    }

    /** An SDK sending to {@code endpoint} (OTLP/HTTP's base URL, as a collector's {@code http://host:4318}). */
    public static OpenTelemetrySdk start(URI endpoint, String serviceName) {
        String base = endpoint.toString().replaceAll("/+$", "");
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces").build();
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, serviceName)));
        SdkTracerProvider tracing = SdkTracerProvider.builder().setResource(resource)
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build()).build();
        return OpenTelemetrySdk.builder().setTracerProvider(tracing)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    }

    /** Sends the spans still buffered and stops the SDK, waiting at most {@code ms}; whether it finished. */
    public static boolean stop(OpenTelemetrySdk sdk, long ms) {
        CompletableResultCode done = sdk.shutdown().join(Math.max(1, ms), TimeUnit.MILLISECONDS);
        return done.isDone() && done.isSuccess();
    }
}
