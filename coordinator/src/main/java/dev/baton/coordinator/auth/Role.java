package dev.baton.coordinator.auth;

import java.util.Locale;

public enum Role {
    ADMIN, PRODUCER, WORKER;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
