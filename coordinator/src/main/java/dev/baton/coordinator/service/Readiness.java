package dev.baton.coordinator.service;

import jakarta.inject.Singleton;

/**
 * Whether this coordinator should be sent new traffic, as far as its own life goes: true from
 * the moment its context runs (migrations were applied before it starts), false from the first
 * step of a stop ({@code GracefulStop}), before it stops accepting connections, so that a load
 * balancer polling {@code GET /health/ready} takes it out of rotation first. The database's
 * reachability is checked per request by the health route, not kept here.
 */
@Singleton
public final class Readiness {
    private volatile boolean stopping;

    /** The stop began: from now on {@link #stopping()} is true, for good. */
    public void stop() {
        stopping = true;
    }

    public boolean stopping() {
        return stopping;
    }
}
