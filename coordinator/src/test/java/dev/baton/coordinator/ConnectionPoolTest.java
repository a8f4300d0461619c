package dev.baton.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.coordinator.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The connection pool is fixed-size: a chaos run saw a coordinator answer 503 to a burst in its
 * first seconds while its pool grew from 2 connections one at a time (6 of 20 open, 5 requests
 * waiting past the 3 s connection timeout).
 */
class ConnectionPoolTest {

    @Test
    void everyConnectionOfThePoolIsOpenedAtStartAndKept() {
        Settings settings = Settings.load(Map.of("BATON_DB_URL", "jdbc:postgresql://127.0.0.1:5432/postgres",
                "BATON_REDIS_URL", "redis://127.0.0.1:6379/0", "BATON_DB_POOL_SIZE", "17"), Map.of());
        Map<String, Object> p = Coordinator.micronautProperties(settings);
        assertThat(p.get("datasources.default.maximum-pool-size")).isEqualTo(17);
        assertThat(p.get("datasources.default.minimum-idle")).isEqualTo(17);
    }
}
