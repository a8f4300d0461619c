package dev.baton.worker;

import dev.baton.common.BatonVersion;
import dev.baton.common.config.LogFormat;
import dev.baton.common.logging.JulBridge;
import dev.baton.common.config.Redaction;
import dev.baton.common.config.SettingsReader;
import dev.baton.common.telemetry.OtlpTracing;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.net.URI;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar baton-worker.jar}: the built-in handlers, configured by BATON_* environment
 * variables ({@link WorkerSettings}, and BATON_OTLP_ENDPOINT for tracing). A bad setting exits 2
 * with one line saying why, like a coordinator; a BATON_* variable nothing reads is logged at WARN
 * and ignored.
 */
public final class WorkerMain {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);
    private static final long SPAN_FLUSH_MS = 5000;

    private WorkerMain() {
    }

    public static void main(String[] args) {
        JulBridge.install(); // OpenTelemetry logs through java.util.logging: to stdout, in BATON_LOG_FORMAT, too
        WorkerSettings settings;
        OpenTelemetrySdk tracing;
        try {
            settings = WorkerSettings.load(System.getenv(), Map.of());
            // read by the logging configuration, which cannot refuse it (LogFormatEncoder)
            LogFormat.read(SettingsReader.fromEnvironment(System.getenv(), Map.of()));
            tracing = tracing(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("Baton worker did not start: " + e.getMessage());
            System.exit(2);
            return;
        }
        WorkerSettings.unknownNames(System.getenv())
                .forEach(name -> LOG.warn("{} is not a Baton setting and is ignored", name));
        LOG.info("Baton worker {} starting: coordinators {}, queues {}, concurrency {}", BatonVersion.get(),
                settings.coordinators().stream().map(u -> Redaction.url(u.toString())).toList(), settings.queues(),
                settings.concurrency());
        Worker.Builder builder = BuiltInHandlers.register(settings.builder());
        if (tracing != null) {
            builder.openTelemetry(tracing);
        }
        Worker worker = builder.build().start();
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            if (tracing != null) {
                OtlpTracing.stop(tracing, SPAN_FLUSH_MS); // the spans of the last jobs
            }
            main.interrupt();
        }, "worker-drain"));
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            // the drain hook finished: a normal exit after SIGTERM
        }
    }

    /**
     * The SDK exporting the handlers' spans to BATON_OTLP_ENDPOINT (docs/protocol.md "Tracing"), or
     * null when it is unset: then none is made and the worker makes no span.
     */
    static OpenTelemetrySdk tracing(Map<String, String> env) {
        URI endpoint = SettingsReader.fromEnvironment(env, Map.of()).httpUrl(OtlpTracing.ENDPOINT);
        if (endpoint == null) {
            return null;
        }
        LOG.info("Tracing: spans go over OTLP/HTTP to {} ({})",
                Redaction.url(endpoint.toString()), OtlpTracing.ENDPOINT);
        return OtlpTracing.start(endpoint, "baton-worker");
    }
}
