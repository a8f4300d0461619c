package dev.baton.coordinator.redis;

import dev.baton.coordinator.config.Settings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;

/**
 * {@code baton_redis_up}: 1 while this coordinator's Redis answers, else 0. Redis down costs no
 * correctness (claims fall back to polling, the worker list empties), so only an alert on this
 * gauge tells an operator why claims got slower. Read at each scrape, bounded by
 * {@link RedisHub#isUp}'s own wait.
 */
@Context
@Requires(beans = Settings.class)
public final class RedisGauge {
    public RedisGauge(RedisHub hub, MeterRegistry registry) {
        Gauge.builder("baton.redis.up", hub, h -> h.isUp() ? 1 : 0)
                .description("1 while Redis answers this coordinator, else 0").register(registry);
    }
}
