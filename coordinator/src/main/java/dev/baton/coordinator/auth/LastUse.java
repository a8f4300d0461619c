package dev.baton.coordinator.auth;

import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a token's {@code lastUsedAt} cheap: this coordinator writes it at most once a minute per
 * token, so nearly every request stays one statement (the lookup). A write that fails is only
 * logged (by the token's name): the request it came with is not refused for it.
 */
final class LastUse {
    private static final Logger LOG = LoggerFactory.getLogger(LastUse.class);
    private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private final Map<String, Long> writtenAt = new ConcurrentHashMap<>();

    /** Runs {@code write} unless this coordinator ran it for the token hashing to {@code hash} within the minute. */
    void touch(byte[] hash, String name, Runnable write) {
        String key = HexFormat.of().formatHex(hash); // a name revoked and made again is another token
        long now = System.nanoTime();
        Long last = writtenAt.get(key);
        if (last != null && now - last < EVERY_NANOS) {
            return;
        }
        if (last == null ? writtenAt.putIfAbsent(key, now) != null : !writtenAt.replace(key, last, now)) {
            return; // another request of this token writes it
        }
        try {
            write.run();
        } catch (RuntimeException e) {
            LOG.debug("could not record the use of token {}: {}", name, e.getMessage());
        }
    }
}
