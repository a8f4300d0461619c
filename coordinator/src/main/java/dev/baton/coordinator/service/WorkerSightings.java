package dev.baton.coordinator.service;

import java.util.List;

/**
 * Where the worker path says it saw a worker: on each claim and heartbeat. Only informs the
 * admin's list of live workers; no decision about a job ever depends on it.
 * Implemented in {@code redis} ({@code WorkerRegistry}), so {@code service} never depends on Redis.
 */
public interface WorkerSightings {
    /** Records that {@code workerId} asked for work on {@code queues} just now. Never throws. */
    void seen(String workerId, List<String> queues);
}
