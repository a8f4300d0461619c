package dev.baton.worker.micronaut;

import dev.baton.worker.JobHandler;
import dev.baton.worker.Worker;
import dev.baton.worker.WorkerSettings;
import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import io.micronaut.inject.BeanDefinition;
import io.micronaut.inject.qualifiers.Qualifiers;
import jakarta.annotation.PreDestroy;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a {@link Worker} with every {@link JobType @JobType} bean when the application starts,
 * and drains it when the application stops. Configured by {@code baton.worker.*} (or the
 * environment variables Micronaut maps onto them), read and checked as
 * {@link WorkerSettings}: a bad value stops the start with the same one line as
 * {@code java -jar baton-worker.jar} gives, naming the property. With Micrometer on the class
 * path and a {@code MeterRegistry} bean, the worker records its {@code baton_worker_*} meters there;
 * with OpenTelemetry's API and an {@code OpenTelemetry} bean, it runs each handler in a span of it.
 */
@Context
@Requires(property = "baton.worker.coordinators")
public final class BatonWorkerLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(BatonWorkerLifecycle.class);
    private static final String PREFIX = "baton.worker.";
    private final Worker worker;

    public BatonWorkerLifecycle(BeanContext beans, Environment environment) {
        WorkerSettings settings = WorkerSettings.fromProperties(properties(environment));
        WorkerSettings.unknownProperties(givenNames(environment))
                .forEach(name -> LOG.warn("{} is not a Baton worker setting and is ignored", name));
        Worker.Builder builder = settings.builder();
        for (BeanDefinition<JobHandler> definition : beans.getBeanDefinitions(
                JobHandler.class, Qualifiers.byStereotype(JobType.class))) {
            String type = definition.stringValue(JobType.class).orElseThrow();
            builder.handler(type, beans.getBean(definition));
            LOG.info("job type {} handled by {}", type, definition.getBeanType().getSimpleName());
        }
        if (MicrometerBeans.present()) {
            MicrometerBeans.apply(beans, builder); // the worker's meters go to the application's registry
        }
        if (OpenTelemetryBeans.present()) {
            OpenTelemetryBeans.apply(beans, builder); // the handlers' spans go to the application's SDK
        }
        this.worker = builder.build().start();
    }

    /** Each {@code baton.worker.*} setting that is set, as text; a list (YAML) as its items joined by commas. */
    private static Map<String, String> properties(Environment environment) {
        Map<String, String> values = new HashMap<>();
        for (String name : WorkerSettings.propertyNames()) {
            environment.getProperty(name, Object.class).ifPresent(v -> values.put(name, v instanceof Collection<?> c
                    ? c.stream().map(String::valueOf).collect(Collectors.joining(",")) : v.toString()));
        }
        return values;
    }

    /**
     * The {@code baton.worker.*} names the application's configuration spells out. Environment
     * variables are left out: Micronaut maps each onto several candidate names
     * (BATON_WORKER_LEASE_MS onto baton.worker.lease.ms too), which are no typo; the
     * canonical one is read all the same ({@link #properties}).
     */
    private static Set<String> givenNames(Environment environment) {
        Set<String> names = new TreeSet<>();
        for (PropertySource source : environment.getPropertySources()) {
            if (source.getConvention() != PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE) {
                source.forEach(name -> {
                    if (name.startsWith(PREFIX)) {
                        names.add(name);
                    }
                });
            }
        }
        return names;
    }

    public Worker worker() {
        return worker;
    }

    @PreDestroy
    void stop() {
        worker.close();
    }
}
