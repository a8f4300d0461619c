package dev.baton.worker.micronaut;

import dev.baton.worker.JobHandler;
import jakarta.inject.Singleton;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The job type a Micronaut bean implementing {@link JobHandler}
 * handles. With {@code baton.worker.coordinators} set, {@link BatonWorkerLifecycle} runs a worker
 * for every such bean:
 * <pre>
 * &#64;JobType("email.send")
 * class SendEmail implements JobHandler { … }
 * </pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Singleton
public @interface JobType {
    /** The job type this bean handles. */
    String value();
}
