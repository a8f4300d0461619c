package dev.baton.coordinator.jobrunr;

import dev.baton.coordinator.config.Settings;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;

/**
 * Refuses to start when JobRunr did not get Baton's PostgreSQL. The Micronaut feature quietly
 * falls back to an in-memory store when it finds no DataSource; schedules would then fire once
 * per coordinator and be forgotten on restart, which is worse than not starting.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class JobRunrStorageCheck {

    public JobRunrStorageCheck(StorageProvider storage) {
        requirePostgres(storage);
    }

    public static void requirePostgres(StorageProvider storage) {
        if (!(storage instanceof PostgresStorageProvider)) {
            throw new IllegalStateException("JobRunr must store its jobs in Baton's PostgreSQL, but its storage is "
                    + (storage == null ? "missing" : storage.getClass().getName())
                    + ": is the default DataSource configured?");
        }
    }
}
