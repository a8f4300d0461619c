package dev.baton.worker.micronaut;

import dev.baton.worker.Worker;
import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.inject.BeanDefinition;
import io.micronaut.inject.qualifiers.Qualifiers;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a {@link Worker} with every {@link JobHandler @JobHandler} bean when the application
 * starts, and drains it when the application stops. Configured by {@code baton.worker.*}
 * (or the BATON_WORKER_* environment variables Micronaut maps onto them).
 */
@Context
@Requires(property = "baton.worker.coordinators")
public final class BatonWorkerLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(BatonWorkerLifecycle.class);
    private final Worker worker;

    public BatonWorkerLifecycle(BeanContext beans,
                                @Value("${baton.worker.coordinators}") List<String> coordinators,
                                @Value("${baton.worker.token}") String token,
                                @Value("${baton.worker.queues:default}") List<String> queues,
                                @Value("${baton.worker.concurrency:16}") int concurrency,
                                @Value("${baton.worker.lease-ms:30000}") long leaseMs,
                                @Value("${baton.worker.shutdown-grace-ms:30000}") long graceMs) {
        Worker.Builder builder = Worker.builder().coordinators(coordinators.toArray(String[]::new)).token(token)
                .queues(queues.toArray(String[]::new)).concurrency(concurrency).leaseMs(leaseMs)
                .shutdownGrace(Duration.ofMillis(graceMs));
        for (BeanDefinition<dev.baton.worker.JobHandler> definition : beans.getBeanDefinitions(
                dev.baton.worker.JobHandler.class, Qualifiers.byStereotype(JobHandler.class))) {
            String type = definition.stringValue(JobHandler.class).orElseThrow();
            builder.handler(type, beans.getBean(definition));
            LOG.info("job type {} handled by {}", type, definition.getBeanType().getSimpleName());
        }
        this.worker = builder.build().start();
    }

    public Worker worker() {
        return worker;
    }

    @PreDestroy
    void stop() {
        worker.close();
    }
}
