package dev.baton.coordinator.auth;

import java.util.Locale;

/** The roles of docs/protocol.md "Auth". A viewer may call every GET of the admin API but the tokens list. */
public enum Role {
    ADMIN, PRODUCER, WORKER, VIEWER;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role a wire name names, or null for none. */
    public static Role fromWire(String wire) {
        for (Role r : values()) {
            if (r.wire().equals(wire)) {
                return r;
            }
        }
        return null;
    }

    /** Whether a token of this role may carry queue scopes: only producers and workers name queues. */
    public boolean takesQueues() {
        return this == PRODUCER || this == WORKER;
    }
}
