package dev.baton.worker.micronaut;

import dev.baton.worker.Worker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.BeanContext;

/** The only class of this package that names Micrometer: loaded only when it is on the class path. */
final class MicrometerBeans {
    private MicrometerBeans() {
    }

    static boolean present() {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry", false, MicrometerBeans.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Hands the application's MeterRegistry bean (micronaut-micrometer's, say), if it has one, to the worker. */
    static void apply(BeanContext beans, Worker.Builder builder) {
        beans.findBean(MeterRegistry.class).ifPresent(builder::meterRegistry);
    }
}
