package dev.baton.worker.micronaut;

import dev.baton.worker.Worker;
import io.micronaut.context.BeanContext;
import io.opentelemetry.api.OpenTelemetry;

/** The only class of this package that names OpenTelemetry: loaded only when its API is on the class path. */
final class OpenTelemetryBeans {
    private OpenTelemetryBeans() {
    }

    static boolean present() {
        try {
            Class.forName("io.opentelemetry.api.OpenTelemetry", false, OpenTelemetryBeans.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Hands the application's OpenTelemetry bean (micronaut-tracing's, say), if it has one, to the worker. */
    static void apply(BeanContext beans, Worker.Builder builder) {
        beans.findBean(OpenTelemetry.class).ifPresent(builder::openTelemetry);
    }
}
