package dev.baton.chaos.faults;

/**
 * The links a fault can hit, each through a {@link LinkProxy} of its own per coordinator:
 * {@code CLIENT} is every client's and worker's link to coordinator i; {@code POSTGRES} and
 * {@code REDIS} are coordinator i's links to the servers.
 */
public enum Link {
    CLIENT, POSTGRES, REDIS
}
