package dev.baton.coordinator.db;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.context.ServerRequestContext;
import java.sql.Connection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who holds the pool's connections, and for how long: when a request finds none free within the
 * pool's wait (and gets 503), one WARN line (at most every {@link #QUIET_NANOS}) says what the
 * connections are held by, e.g. {@code 14 by POST /api/v1/jobs/bulk (oldest 2.9 s), 6 by POST
 * /api/v1/jobs/{id}/complete (oldest 0.1 s)}. Pool pressure (chaos finding 17) is then read from
 * the log rather than guessed: a request route, or a duty's thread name outside requests.
 */
final class ConnectionHolders {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHolders.class);
    static final long QUIET_NANOS = 5_000_000_000L;
    private static final Pattern NUMBERS = Pattern.compile("(?<=/)\\d+(?=/|$)");
    private static final Pattern THREAD_NUMBER = Pattern.compile("[-#]?-?\\d+$");

    /** The request it serves (null outside one) and its thread's name: named only when told. */
    private record Hold(HttpRequest<?> request, String thread, long sinceNanos) {
        String by() {
            return request != null ? request.getMethodName() + " " + NUMBERS.matcher(request.getPath()).replaceAll("{id}")
                    : THREAD_NUMBER.matcher(thread).replaceFirst("");
        }
    }

    private final Map<Connection, Hold> held = new ConcurrentHashMap<>();
    private final AtomicLong lastToldNanos = new AtomicLong(System.nanoTime() - QUIET_NANOS);

    void taken(Connection c) {
        held.put(c, new Hold(ServerRequestContext.currentRequest().orElse(null), Thread.currentThread().getName(),
                System.nanoTime()));
    }

    void givenBack(Connection c) {
        held.remove(c);
    }

    /** Logs who holds the connections, unless it was told less than {@link #QUIET_NANOS} ago. */
    void tellWhoHolds(String poolMessage) {
        long now = System.nanoTime();
        long last = lastToldNanos.get();
        if (now - last < QUIET_NANOS || !lastToldNanos.compareAndSet(last, now)) {
            return;
        }
        LOG.warn("no pooled connection free ({}); {} held through Baton's Db: {}", poolMessage, held.size(), summary(now));
    }

    /** {@code 3 by POST /api/v1/jobs/{id}/complete (oldest 1.2 s), …}, the most held first. */
    String summary(long nowNanos) {
        Map<String, long[]> byHolder = new LinkedHashMap<>(); // by -> {count, oldest age}
        for (Hold h : held.values()) {
            long[] c = byHolder.computeIfAbsent(h.by(), k -> new long[2]);
            c[0]++;
            c[1] = Math.max(c[1], nowNanos - h.sinceNanos());
        }
        return byHolder.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0])
                        .thenComparing(Map.Entry::getKey))
                .map(e -> String.format("%d by %s (oldest %.1f s)", e.getValue()[0], e.getKey(),
                        e.getValue()[1] / 1e9))
                .collect(Collectors.joining(", "));
    }
}
