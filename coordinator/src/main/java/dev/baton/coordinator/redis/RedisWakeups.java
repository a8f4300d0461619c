package dev.baton.coordinator.redis;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.service.Wakeups;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries "queue X may have work" between coordinators over a Redisson topic, so a claim waiting
 * on one coordinator wakes at once when another enqueues. Losing Redis only slows claims down to
 * the database poll interval; Redisson resubscribes by itself when Redis returns.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class RedisWakeups {
    private static final Logger LOG = LoggerFactory.getLogger(RedisWakeups.class);
    private final String topicName;
    private volatile RTopic topic;

    public RedisWakeups(RedisHub hub, Wakeups wakeups, Settings settings) {
        this.topicName = settings.redisPrefix() + ":wake";
        wakeups.addPublisher(this::publish);
        hub.onConnect(client -> subscribe(client, wakeups));
    }

    private void subscribe(RedissonClient client, Wakeups wakeups) {
        RTopic t = client.getTopic(topicName, StringCodec.INSTANCE);
        t.addListener(String.class, (channel, queue) -> wakeups.wakeFromPeer(queue));
        topic = t;
        LOG.info("wake-ups subscribed on Redis topic {}", topicName);
    }

    private void publish(String queue) {
        RTopic t = topic;
        if (t != null) {
            // Fire and forget: a lost wake-up costs one poll interval, never a request.
            t.publishAsync(queue).exceptionally(e -> {
                LOG.debug("wake-up for {} not published: {}", queue, e.getMessage());
                return 0L;
            });
        }
    }
}
