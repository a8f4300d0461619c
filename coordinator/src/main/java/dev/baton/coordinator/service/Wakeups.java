package dev.baton.coordinator.service;

import jakarta.inject.Singleton;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Wakes long-polling claims when a queue may have work. Local signals reach this coordinator's
 * waiters at once; {@link #addPublisher publishers} (Redis) carry them to the other coordinators.
 * A missed signal costs at most one poll interval: the database, polled, stays the authority.
 */
@Singleton
public final class Wakeups {
    private final ConcurrentHashMap<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();
    private final List<Consumer<String>> publishers = new CopyOnWriteArrayList<>();
    private volatile boolean handingOut = true;

    /** What woke a waiting claim, for {@code baton.claim.wakeups}: this coordinator, another through Redis, or a stop. */
    public enum Source {
        LOCAL("local"), REDIS("redis"), STOP("stop");

        private final String tag;

        Source(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    public static final class Waiter {
        private final Semaphore signal = new Semaphore(0);
        private final List<String> queues;
        /** The first signal's source; null while none came. */
        private volatile Source wokenBy;

        private void signal(Source source) {
            if (wokenBy == null) {
                wokenBy = source;
            }
            signal.release();
        }

        /** What signalled this waiter first, or null when nothing did (it woke by its poll interval). */
        public Source wokenBy() {
            return wokenBy;
        }

        private Waiter(List<String> queues) {
            this.queues = queues;
        }

        /** Waits until signalled or {@code nanos} pass; returns whether it was signalled. */
        public boolean await(long nanos) throws InterruptedException {
            return signal.tryAcquire(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Register before looking for work, so a signal between the look and the wait is not lost. */
    public Waiter register(List<String> queues) {
        Waiter w = new Waiter(queues);
        for (String q : queues) {
            waiters.computeIfAbsent(q, k -> ConcurrentHashMap.newKeySet()).add(w);
        }
        return w;
    }

    public void unregister(Waiter w) {
        for (String q : w.queues) {
            Set<Waiter> set = waiters.get(q);
            if (set != null) {
                set.remove(w);
            }
        }
    }

    /** Work may be available in {@code queue}: wake waiters here and tell the other coordinators. */
    public void jobsAvailable(String queue) {
        wakeLocal(queue);
        for (Consumer<String> p : publishers) {
            p.accept(queue);
        }
    }

    /** Wakes this coordinator's waiters on {@code queue} only. */
    public void wakeLocal(String queue) {
        wake(queue, Source.LOCAL);
    }

    /** Another coordinator said (through Redis) that {@code queue} may have work: wakes this one's waiters on it. */
    public void wakeFromPeer(String queue) {
        wake(queue, Source.REDIS);
    }

    private void wake(String queue, Source source) {
        Set<Waiter> set = waiters.get(queue);
        if (set != null) {
            for (Waiter w : set) {
                w.signal(source);
            }
        }
    }

    /**
     * The coordinator is stopping: every waiting claim wakes and answers what it has (nothing),
     * and claims from now on claim nothing, so no job is handed out by a coordinator about to go.
     */
    public void stopHandingOut() {
        handingOut = false;
        waiters.values().forEach(set -> set.forEach(w -> w.signal(Source.STOP)));
    }

    /** False once {@link #stopHandingOut} was called; checked after {@link #register}, so no waiter misses it. */
    public boolean handingOut() {
        return handingOut;
    }

    public void addPublisher(Consumer<String> publisher) {
        publishers.add(publisher);
    }

    public int waiting() {
        return waiters.values().stream().mapToInt(Set::size).sum();
    }
}
